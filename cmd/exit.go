package cmd

import (
	"errors"
	"fmt"
	"io/fs"
)

// ExitCode is auditgate's process exit status. The same table holds for
// every command; each command's help says which statuses it uses.
type ExitCode int

// The exit statuses.
const (
	// ExitOK: the command did what was asked. For record: the entry is
	// durably stored, was dropped below min_severity, or was lost under a
	// fail_open policy (which says so on stderr).
	ExitOK ExitCode = 0
	// ExitFailure: verify or verify-proof found an integrity problem,
	// checkpoint or prove found a store that does not match or extend the
	// checkpoint given, or record could not store an entry under a hard,
	// fail_closed policy.
	ExitFailure ExitCode = 1
	// ExitUsage: bad flags, arguments, input or config, or input that could
	// not be read. Nothing was stored.
	ExitUsage ExitCode = 2
	// ExitDropped: record could not store an entry under a soft,
	// fail_closed policy; the caller decides what to do.
	ExitDropped ExitCode = 3
	// ExitBlocked: guard recorded a verdict that does not allow the
	// action (BLOCK or ERROR) and did not run the command.
	ExitBlocked ExitCode = 4
	// ExitCannotRun: guard found the command but could not run it (not
	// executable, not a program), as a shell reports it.
	ExitCannotRun ExitCode = 126
	// ExitNotFound: guard did not find the command, as a shell reports it.
	ExitNotFound ExitCode = 127
)

// exitHelp is the exit status section shared by the commands' help.
const exitHelp = `
Exit status:
  0  success
  1  integrity problem (verify, verify-proof; checkpoint and prove: the store does not
     match or extend the checkpoint), or entry not recorded under hard+fail_closed (record)
  2  usage error: bad flags, input or config, or unreadable input; nothing stored
  3  entry dropped under soft+fail_closed (record); the caller decides
  4  the verdict (BLOCK or ERROR) does not allow the command; recorded, not run (guard)`

// exitError carries an exit status and hints with an error.
type exitError struct {
	code  ExitCode
	err   error
	hints []string
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks err as a usage error (exit 2).
func usageError(err error, hints ...string) error {
	return &exitError{code: ExitUsage, err: err, hints: hints}
}

// usageErrorf formats a usage error.
func usageErrorf(format string, args ...any) error {
	return usageError(fmt.Errorf(format, args...))
}

// codeOf returns the exit status an error stands for; an unmarked error is
// a failure.
func codeOf(err error) ExitCode {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitFailure
}

func hintsOf(err error) []string {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.hints
	}
	return nil
}

// silentExit ends a command with a status and no further message, for
// commands that already reported what happened.
type silentExit ExitCode

func (s silentExit) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// readError marks an error reading a log as a usage error (exit 2), with a
// hint when the log does not exist.
func readError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return usageError(err, "no store there yet: record an entry first, "+
			"or name the log with --store or as an argument")
	}
	return usageError(err)
}

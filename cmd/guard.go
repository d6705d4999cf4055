package cmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"time"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/store"
	"github.com/spf13/cobra"
)

// guardOptions are the guard command's flags: those of one record, and
// --record-result.
type guardOptions struct {
	entry        recordOptions
	recordResult bool
}

func newGuardCommand(g *globals) *cobra.Command {
	o := &guardOptions{}
	c := &cobra.Command{
		Use:   "guard --trail NS:SOURCE@PRINCIPAL --verdict VERDICT [flags] -- COMMAND [ARG ...]",
		Short: "Record a gate decision, then run a command only if it may proceed",
		Long: `Record one gate decision, as record does, and then run COMMAND only if the
action may proceed: the entry was stored (or dropped below min_severity, or
lost under a fail_open policy) and the verdict is ALLOW or OVERRIDE.

  auditgate guard --trail billing:refund@user:42 --verdict allow -- ./refund 1234

is "auditgate record ... && ./refund 1234" with the exit statuses, signals
and the outcome taken care of. The record flags are the same as record's;
guard reads its own flags up to the first argument that is not one (or up
to --), and the rest is COMMAND and its arguments, passed on untouched.

When the entry cannot be stored, the trail's policy decides:

  hard + fail_closed   COMMAND never starts; exit 1
  soft + fail_closed   COMMAND does not start; a DROPPED line; exit 3
  hard + fail_open     COMMAND runs; the error on stderr, loudly
  soft + fail_open     COMMAND runs; a one-line warning (none with --quiet)

A verdict of BLOCK or ERROR is recorded and COMMAND is not run: exit 4.
COMMAND is looked up before anything is recorded: one that cannot be found
exits 127, one that cannot be run 126, and nothing is recorded.

COMMAND inherits stdin, stdout, stderr, the environment and the working
directory; guard itself prints nothing on stdout. SIGTERM sent to guard is
passed on to COMMAND, and so are SIGHUP, SIGINT and SIGQUIT, except when
guard runs in the foreground of a terminal, where the terminal sends them to
COMMAND itself. guard waits for COMMAND and exits with its status.

--record-result records a second entry in the same trail once COMMAND has
ended, or failed to start: verdict ERROR when it failed (otherwise the
decision's verdict), the decision's severity, and in detail the exit
status, the duration in seconds and the decision's sequence and hash:
  {"decision_entry_hash":"...","decision_sequence":7,"duration_seconds":1.52,
   "exit_status":0}
with "signal" when a signal killed COMMAND and "error" when it could not
start. A result that cannot be stored is reported on stderr (as a warning
under a soft policy) and leaves the exit status alone: the command has
already run.

Examples:
  auditgate guard -t billing:refund@user:42 --verdict allow --reason "within budget" \
      -d amount:=129.5 -- ./issue-refund --order 1234
  auditgate guard -t deploy:ci@main --verdict "$VERDICT" --record-result -- make deploy

Exit status:
  N      COMMAND's own exit status, when guard ran it
  128+N  COMMAND was killed by signal N (143 for SIGTERM)
  1      entry not recorded under hard+fail_closed: COMMAND never started
  2      usage error: bad flags, input or config; nothing recorded, nothing run
  3      entry dropped under soft+fail_closed: COMMAND not started
  4      the verdict is BLOCK or ERROR: recorded, COMMAND not run
  126    COMMAND cannot be run (not executable, not a program)
  127    COMMAND not found; nothing recorded
COMMAND's own statuses can be any of these: guard's messages on stderr say
when it is guard that did not run COMMAND.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError(errors.New("no command to guard"),
					"write the command after the flags: auditgate guard [flags] -- COMMAND [ARG ...]")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return runGuard(c, g, o, args)
		},
	}
	f := c.Flags()
	f.SetInterspersed(false)
	addEntryFlags(f, &o.entry)
	f.BoolVar(&o.recordResult, "record-result", false,
		"also record how COMMAND ended: exit status and duration")
	return c
}

func runGuard(c *cobra.Command, g *globals, o *guardOptions, argv []string) error {
	req, err := o.entry.request(c, g)
	if err != nil {
		return err
	}
	cfg, err := g.loadConfig(c.Flags())
	if err != nil {
		return err
	}
	path, err := lookCommand(argv[0])
	if err != nil {
		return err
	}
	req.RecordedBy = cfg.recordedBy
	if err := req.Validate(); err != nil {
		return usageError(err)
	}

	// Signals are caught from here on: one that arrives while the entry is
	// being recorded neither stops guard half-way nor is lost; it keeps the
	// command from starting.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, guardSignals...)
	defer signal.Stop(sigs)

	ctx := c.Context()
	eng := &core.Engine{Store: store.NewFile(cfg.store), Policies: cfg.policies}
	d, recErr := eng.Record(ctx, req)
	recorded := d.Status == core.Recorded
	if refusal := core.Refusal(ctx, req.Verdict, d, recErr); refusal != nil {
		if recorded {
			autoCheckpoint(g, cfg)
		}
		return refuse(g, argv[0], req.Verdict, d, refusal)
	}
	warnUnaudited(g, d, "the command runs")

	res := runCommand(g, path, argv, sigs)
	if res.StartError != "" {
		fmt.Fprintf(g.ErrOut, "auditgate: error: %s: %s\n", argv[0], res.StartError)
	}
	if o.recordResult {
		// The command has run: a lost result changes no exit status, and is
		// reported as loudly as the trail's mode says.
		rd, _ := eng.Record(ctx, core.ResultRequest(req, d, res))
		recorded = recorded || rd.Status == core.Recorded
		switch {
		case rd.StoreErr == nil:
		case rd.Policy.Mode == core.Hard:
			fmt.Fprintf(g.ErrOut, "auditgate: error: the result entry for %s was not recorded: %v\n",
				d.Trail, rd.StoreErr)
		case !g.quiet:
			fmt.Fprintf(g.ErrOut, "auditgate: warning: the result entry for %s was not recorded: %v\n",
				d.Trail, rd.StoreErr)
		}
	}
	if recorded {
		autoCheckpoint(g, cfg)
	}
	if res.ExitStatus != 0 {
		return silentExit(res.ExitStatus)
	}
	return nil
}

// lookCommand finds the program to run, before anything is recorded, with
// the statuses a shell gives: 127 when it does not exist, 126 when it
// cannot be run.
func lookCommand(name string) (string, error) {
	path, err := exec.LookPath(name)
	switch {
	case err == nil:
		return path, nil
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist):
		return "", &exitError{code: ExitNotFound, err: fmt.Errorf("command not found: %s", name),
			hints: []string{"nothing was recorded; check the name, or give a path to the program"}}
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	return "", &exitError{code: ExitCannotRun, err: fmt.Errorf("cannot run %s: %w", name, err),
		hints: []string{"nothing was recorded"}}
}

// refuse reports why the command is not run and returns the exit status
// that says so.
func refuse(g *globals, name string, verdict core.Verdict, d core.Decision, refusal error) error {
	switch {
	case errors.Is(refusal, core.ErrNotRecorded):
		return &exitError{code: ExitFailure, err: refusal, hints: []string{
			"not running " + name + ": no action may proceed unaudited under the trail's " +
				"hard+fail_closed policy",
		}}
	case errors.Is(refusal, core.ErrDropped):
		fmt.Fprintf(g.ErrOut, "auditgate: DROPPED: entry for %s not recorded: %v; not running %s\n",
			d.Trail, d.StoreErr, name)
		return silentExit(ExitDropped)
	case errors.Is(refusal, core.ErrBlocked):
		warnUnaudited(g, d, "nothing runs")
		if !g.quiet {
			where := "dropped below min_severity"
			if d.Entry != nil {
				where = fmt.Sprintf("recorded as #%d", d.Entry.Sequence)
			} else if d.StoreErr != nil {
				where = "not recorded"
			}
			fmt.Fprintf(g.ErrOut, "auditgate: verdict %s for %s (%s): not running %s\n",
				verdict, d.Trail, where, name)
		}
		return silentExit(ExitBlocked)
	}
	return &exitError{code: ExitFailure, err: fmt.Errorf("not running %s: %w", name, refusal)}
}

// warnUnaudited reports an entry lost under a fail_open policy: loudly
// under hard, as one warning under soft (none with --quiet).
func warnUnaudited(g *globals, d core.Decision, consequence string) {
	switch {
	case d.StoreErr == nil:
	case d.Policy.Mode == core.Hard:
		fmt.Fprintf(g.ErrOut, "auditgate: error: entry for %s NOT RECORDED: %v\n", d.Trail, d.StoreErr)
		fmt.Fprintf(g.ErrOut, "auditgate: error: %s UNAUDITED (policy %s is fail_open)\n",
			consequence, d.PolicyOrigin)
	case !g.quiet:
		fmt.Fprintf(g.ErrOut, "auditgate: warning: entry for %s not recorded: %v\n",
			d.Trail, d.StoreErr)
	}
}

// runCommand runs the guarded command with guard's standard streams and
// environment, passes signals on to it, and says how it ended. A signal
// that arrived before the start keeps it from starting.
func runCommand(g *globals, path string, argv []string, sigs <-chan os.Signal) core.CommandResult {
	select {
	case s := <-sigs:
		return core.CommandResult{ExitStatus: 128 + signalNumber(s),
			StartError: "not started: guard received " + signalName(s)}
	default:
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = g.In, g.Out, g.ErrOut
	start := time.Now()
	if err := cmd.Start(); err != nil {
		code := ExitCannotRun
		if errors.Is(err, fs.ErrNotExist) {
			code = ExitNotFound
		}
		return core.CommandResult{ExitStatus: int(code), StartError: unwrapPathErr(err).Error(),
			Duration: time.Since(start)}
	}
	done := make(chan struct{})
	go func() {
		// Wait's error is in ProcessState; an I/O copy error has no status.
		_ = cmd.Wait()
		close(done)
	}()
	for {
		select {
		case s := <-sigs:
			if forwardSignal(s) {
				_ = cmd.Process.Signal(s)
			}
		case <-done:
			status, sig := exitStatus(cmd.ProcessState)
			return core.CommandResult{ExitStatus: status, Signal: sig, Duration: time.Since(start)}
		}
	}
}

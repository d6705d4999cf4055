// Package cmd is auditgate's command line: it turns flags, configuration and
// arguments into options and calls packages core, store and format. It holds
// no hashing, chain logic or file formats of its own.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// Streams are the standard streams a command uses.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// globals are the flags every command shares.
type globals struct {
	Streams
	configPath string
	store      string
	recordedBy string
	output     string
	quiet      bool
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Main runs auditgate with args (without the program name) and returns the
// exit status.
func Main(ctx context.Context, args []string, s Streams) int {
	g := &globals{Streams: s}
	root := newRootCommand(g)
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return int(ExitOK)
	}
	var silent silentExit
	if errors.As(err, &silent) {
		return int(silent)
	}
	if cmd == root && codeOf(err) == ExitFailure {
		// The root runs nothing itself: its only errors are cobra's for an
		// unknown command, which are usage errors.
		err = usageError(err, "run 'auditgate --help' for the commands")
	}
	fmt.Fprintf(s.ErrOut, "auditgate: error: %v\n", err)
	for _, h := range hintsOf(err) {
		fmt.Fprintf(s.ErrOut, "auditgate: hint: %s\n", h)
	}
	return int(codeOf(err))
}

func newRootCommand(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "auditgate",
		Short: "Tamper-evident audit trails of gate decisions",
		Long: `auditgate keeps a tamper-evident audit trail of the decisions that gates in
AI-agent systems make (ALLOW, BLOCK, ERROR, OVERRIDE), and proves later that
the trail is whole.

  auditgate record --trail billing:refund@user:42 --verdict block --reason "over budget"
  auditgate verify                 # check every hash, link and sequence
  auditgate policy billing:refund@user:42
` + exitHelp,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(err, fmt.Sprintf("run 'auditgate %s --help' for the flags", c.Name()))
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.configPath, "config", "",
		"config file (default $AUDITGATE_CONFIG, else ./auditgate.yaml if present)")
	pf.StringVar(&g.store, "store", "", "store file (default audit.jsonl, or the config's store)")
	pf.StringVar(&g.recordedBy, "recorded-by", "", "who writes the entries (default user@host)")
	pf.StringVarP(&g.output, "output", "o", "", "output format: text or json")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "print nothing but errors")

	root.AddCommand(
		newRecordCommand(g),
		newGuardCommand(g),
		newVerifyCommand(g),
		newHashCommand(g),
		newPolicyCommand(g),
		newVersionCommand(g),
		newCompletionCommand(g),
		newQueryCommand(g),
		newExportCommand(g),
		newKeygenCommand(g),
		newCheckpointCommand(g),
		newProveCommand(g),
		newVerifyProofCommand(g),
	)
	registerCompletions(root)
	return root
}

// outputFormat checks -o against what a command supports and returns it;
// "" means the command's default.
func (g *globals) outputFormat(allowed ...string) (string, error) {
	if g.output == "" {
		return "", nil
	}
	for _, a := range allowed {
		if g.output == a {
			return a, nil
		}
	}
	return "", usageErrorf("unknown output format %q (want one of %v)", g.output, allowed)
}

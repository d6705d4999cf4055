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
	"strings"

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
	pf.StringVarP(&g.output, "output", "o", "", "output format (each command's help gives its own)")
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
	// -o is checked once for every command, against that command's formats.
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		_, err := g.outputFormat(c)
		return err
	}
	help := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		if f := c.Flags().Lookup("output"); f != nil {
			f.Usage = outputUsage(c.Name())
		}
		help(c, args)
	})
	registerCompletions(root)
	return root
}

// outputFormats lists the -o formats of each command; a
// command not listed takes no -o. noOutputHint says why for some of those.
var (
	outputFormats = map[string][]string{
		"record": {"text", "json"}, "verify": {"text", "json"}, "hash": {"text", "json"},
		"policy": {"text", "json"}, "verify-proof": {"text", "json"},
		"query":      {"table", "json", "jsonl", "csv"},
		"checkpoint": {"text"}, "keygen": {"text"}, "prove": {"json"},
	}
	noOutputHint = map[string]string{
		"export": "export chooses its format with --format json, jsonl or csv",
		"guard":  "guard prints nothing on stdout, which belongs to the command",
	}
)

// outputUsage is the help line of -o for the command called name.
func outputUsage(name string) string {
	formats := outputFormats[name]
	switch len(formats) {
	case 0:
		return "output format (" + name + " takes none)"
	case 1:
		return "output format: " + formats[0] + " only"
	}
	return "output format: " + strings.Join(formats[:len(formats)-1], ", ") + " or " +
		formats[len(formats)-1]
}

// outputFormat checks -o against the formats of command c and returns it;
// "" means the command's default.
func (g *globals) outputFormat(c *cobra.Command) (string, error) {
	if g.output == "" {
		return "", nil
	}
	formats := outputFormats[c.Name()]
	for _, f := range formats {
		if g.output == f {
			return f, nil
		}
	}
	if len(formats) == 0 {
		err := fmt.Errorf("-o %s: %s takes no -o", g.output, c.Name())
		if hint, ok := noOutputHint[c.Name()]; ok {
			return "", usageError(err, hint)
		}
		return "", usageError(err)
	}
	return "", usageErrorf("unknown output format %q (want one of %v)", g.output, formats)
}

package cmd

import (
	"fmt"
	"io"

	"github.com/auditgate/auditgate/core"
	"github.com/spf13/cobra"
)

// WriteCompletion writes the completion script for shell (bash, zsh, fish
// or powershell) to w.
func WriteCompletion(w io.Writer, shell string) error {
	root := newRootCommand(&globals{})
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return usageErrorf("unknown shell %q (want bash, zsh, fish or powershell)", shell)
}

// Shells lists the shells WriteCompletion supports.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

func newCompletionCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print the completion script for a shell. For example:

  source <(auditgate completion bash)
  auditgate completion zsh > "${fpath[1]}/_auditgate"
  auditgate completion fish > ~/.config/fish/completions/auditgate.fish

The same scripts are kept in the completions/ directory of the source.
` + exitHelp,
		Args:      exactArgs(1, "name a shell: bash, zsh, fish or powershell"),
		ValidArgs: Shells,
		RunE: func(c *cobra.Command, args []string) error {
			return WriteCompletion(g.Out, args[0])
		},
	}
}

// completeWords completes a flag from a fixed list.
func completeWords(words ...string) func(*cobra.Command, []string, string) ([]string,
	cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return words, cobra.ShellCompDirectiveNoFileComp
	}
}

// registerCompletions adds flag value completion to the commands.
func registerCompletions(root *cobra.Command) {
	verdicts := make([]string, len(core.Verdicts))
	for i, v := range core.Verdicts {
		verdicts[i] = string(v)
	}
	severities := make([]string, len(core.Severities))
	for i, s := range core.Severities {
		severities[i] = s.String()
	}
	must := func(err error) {
		if err != nil {
			panic(fmt.Sprintf("register completion: %v", err))
		}
	}
	must(root.RegisterFlagCompletionFunc("output", completeWords("text", "json")))
	for _, c := range root.Commands() {
		if f := c.Flags().Lookup("verdict"); f != nil {
			must(c.RegisterFlagCompletionFunc("verdict", completeWords(verdicts...)))
		}
		if f := c.Flags().Lookup("severity"); f != nil {
			must(c.RegisterFlagCompletionFunc("severity", completeWords(severities...)))
		}
	}
}

// CompletionFile names the file under completions/ that holds a shell's script.
func CompletionFile(shell string) string {
	ext := map[string]string{"bash": "bash", "zsh": "zsh", "fish": "fish", "powershell": "ps1"}[shell]
	return "auditgate." + ext
}

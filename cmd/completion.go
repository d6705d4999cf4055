package cmd

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/store"
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

The bash script needs the bash-completion package (apt install
bash-completion); without it bash says "_get_comp_words_by_ref: command not
found". The same scripts are kept in the completions/ directory of the
source.
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
	must(root.RegisterFlagCompletionFunc("output", completeOutput))
	for _, c := range root.Commands() {
		if f := c.Flags().Lookup("verdict"); f != nil {
			must(c.RegisterFlagCompletionFunc("verdict", completeWords(verdicts...)))
		}
		if f := c.Flags().Lookup("severity"); f != nil {
			must(c.RegisterFlagCompletionFunc("severity", completeWords(severities...)))
		}
		if f := c.Flags().Lookup("trail"); f != nil {
			must(c.RegisterFlagCompletionFunc("trail", completeTrails))
		}
		if c.Name() == "policy" && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = completeTrails
		}
	}
}

// completeOutput completes -o with the formats the command writes.
func completeOutput(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	return outputFormats[c.Name()], cobra.ShellCompDirectiveNoFileComp
}

// completeTrails completes a trail with the trails of the store the command
// would use (--store, --config and the environment count as usual). It
// offers nothing when the configuration or the store cannot be read.
func completeTrails(c *cobra.Command, _ []string, prefix string) ([]string,
	cobra.ShellCompDirective) {
	g := &globals{}
	if f := c.Flags().Lookup("config"); f != nil {
		g.configPath = f.Value.String()
	}
	cfg, err := g.loadConfig(c.Flags())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	all, err := store.NewFile(cfg.store).Trails()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var trails []string
	for _, t := range all {
		if strings.HasPrefix(t, prefix) {
			trails = append(trails, t)
		}
	}
	sort.Strings(trails)
	return trails, cobra.ShellCompDirectiveNoFileComp
}

// CompletionFile names the file under completions/ that holds a shell's script.
func CompletionFile(shell string) string {
	ext := map[string]string{"bash": "bash", "zsh": "zsh", "fish": "fish", "powershell": "ps1"}[shell]
	return "auditgate." + ext
}

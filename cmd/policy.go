package cmd

import (
	"fmt"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/format"
	"github.com/spf13/cobra"
)

func newPolicyCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "policy TRAIL",
		Short: "Print the policy that governs a trail, and which rule gave it",
		Long: `Print the policy that governs a trail, and which rule gave it.

The config's trails rules are tried in order and the first whose match glob
fits the trail wins; a trail no rule matches gets the defaults. In a glob,
* matches any run of characters (':' and '@' included), ? one character,
[a-z] a class, and a backslash makes the next character literal.

Example:
  auditgate policy billing:refund@user:42
` + exitHelp,
		Args: exactArgs(1, "give one trail, for example billing:refund@user:42"),
		RunE: func(c *cobra.Command, args []string) error {
			outFormat, err := g.outputFormat(c)
			if err != nil {
				return err
			}
			trail, err := core.ParseTrail(args[0])
			if err != nil {
				return usageError(err)
			}
			cfg, err := g.loadConfig(c.Flags())
			if err != nil {
				return err
			}
			p, origin := cfg.policies.Resolve(trail.String())
			if outFormat == "json" {
				return format.WritePolicyJSON(g.Out, trail.String(), p, origin)
			}
			return format.WritePolicyText(g.Out, trail.String(), p, origin)
		},
	}
}

// exactArgs is cobra.ExactArgs with a usage error and a hint.
func exactArgs(n int, hint string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError(fmt.Errorf("%s takes %d argument(s), got %d", c.Name(), n, len(args)), hint)
		}
		return nil
	}
}

// maxArgs is cobra.MaximumNArgs with a usage error and a hint.
func maxArgs(n int, hint string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > n {
			return usageError(fmt.Errorf("%s takes at most %d argument(s), got %d",
				c.Name(), n, len(args)), hint)
		}
		return nil
	}
}

// noArgs is cobra.NoArgs with a usage error.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(fmt.Errorf("%s takes no arguments, got %q", c.Name(), args[0]),
			fmt.Sprintf("run '%s --help' for the usage", c.CommandPath()))
	}
	return nil
}

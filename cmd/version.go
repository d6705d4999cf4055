package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/auditgate/auditgate/core"
	"github.com/spf13/cobra"
)

// Version is the release version, set at build time with
// -ldflags "-X github.com/auditgate/auditgate/cmd.Version=v1.2.3".
var Version = "dev"

func newVersionCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of auditgate",
		Args:  noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(g.Out, "auditgate %s (%s, %s/%s, entry format %s)\n",
				versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH, core.SchemaVersion)
			return err
		},
	}
}

func versionString() string {
	v := Version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

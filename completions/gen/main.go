// Command gen writes auditgate's shell completion scripts into the current
// directory; "go generate ./completions" runs it.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/auditgate/auditgate/cmd"
)

func main() {
	for _, shell := range cmd.Shells {
		var buf bytes.Buffer
		if err := cmd.WriteCompletion(&buf, shell); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := os.WriteFile(cmd.CompletionFile(shell), buf.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

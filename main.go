// Command auditgate records gate decisions into tamper-evident audit trails
// and verifies them. See README.md.
package main

import (
	"context"
	"os"

	"github.com/auditgate/auditgate/cmd"
)

func main() {
	os.Exit(cmd.Main(context.Background(), os.Args[1:],
		cmd.Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}

package cmd

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the auditgate command inside
// scripts, so the scripts run the real entry point in a separate process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"auditgate": func() {
			os.Exit(Main(context.Background(), os.Args[1:],
				Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
		},
	})
}

// TestScripts runs every end-to-end script in testdata/script. Each script
// is one behaviour; see the testscript package for the language.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("AUDITGATE_RECORDED_BY", "tester@host")
			env.Setenv("CONFORMANCE", "../../testdata/conformance")
			return nil
		},
		RequireExplicitExec: false,
	})
}

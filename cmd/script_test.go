package cmd

import (
	"context"
	"os"
	"path/filepath"
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
	// Scripts run in their own temporary directories, so the conformance
	// data is named by an absolute path.
	conformance, err := filepath.Abs(filepath.Join("..", "testdata", "conformance"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(conformance, "hash-vectors.jsonl")); err != nil {
		t.Fatalf("conformance data: %v", err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("AUDITGATE_RECORDED_BY", "tester@host")
			env.Setenv("CONFORMANCE", conformance)
			return nil
		},
		RequireExplicitExec: false,
	})
}

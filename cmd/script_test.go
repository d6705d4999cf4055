package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// fileSizeLimitEnv, set for the test command, limits the size of files it
// writes (RLIMIT_FSIZE), to make a write fail part-way as on a full disk.
const fileSizeLimitEnv = "AUDITGATE_TEST_FILE_SIZE_LIMIT"

// TestMain lets the test binary act as the auditgate command inside
// scripts and tests, so they run the real entry point in a separate process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"auditgate": func() {
			if limit, err := strconv.ParseUint(os.Getenv(fileSizeLimitEnv), 10, 64); err == nil {
				rl := syscall.Rlimit{Cur: limit, Max: limit}
				if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &rl); err != nil {
					panic(err)
				}
			}
			os.Exit(Main(context.Background(), os.Args[1:],
				Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
		},
		"guard-signal-child": signalChild,
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

package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCompletionsUpToDate fails when the scripts in completions/ differ from
// what the commands generate now; run "go generate ./completions".
func TestCompletionsUpToDate(t *testing.T) {
	for _, shell := range Shells {
		var buf bytes.Buffer
		if err := WriteCompletion(&buf, shell); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("..", "completions", CompletionFile(shell))
		have, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v; run go generate ./completions", err)
		}
		if !bytes.Equal(have, buf.Bytes()) {
			t.Errorf("%s is stale; run go generate ./completions", path)
		}
	}
}

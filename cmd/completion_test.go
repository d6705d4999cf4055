package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
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

// TestCompleteFlagValues checks the values offered for -o, which depend on
// the command, and for trails, which come from the store.
func TestCompleteFlagValues(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "audit.jsonl")
	for _, trail := range []string{"billing:refund@user:42", "api:ratelimit@global",
		"billing:payout@user:7", "billing:refund@user:42"} {
		runAG(t, dir, "record", "-t", trail, "--verdict", "allow")
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"query", "-o", ""}, "table\njson\njsonl\ncsv\n"},
		{[]string{"verify", "-o", ""}, "text\njson\n"},
		{[]string{"query", "--store", store, "--trail", ""},
			"api:ratelimit@global\nbilling:payout@user:7\nbilling:refund@user:42\n"},
		{[]string{"export", "--store", store, "--trail", "billing:r"}, "billing:refund@user:42\n"},
		{[]string{"record", "--store", store, "-t", "api"}, "api:ratelimit@global\n"},
		{[]string{"policy", "--store", store, "b"}, "billing:payout@user:7\nbilling:refund@user:42\n"},
		{[]string{"query", "--store", filepath.Join(dir, "missing.jsonl"), "--trail", ""}, ""},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		args := append([]string{"__complete"}, tt.args...)
		if code := Main(context.Background(), args, Streams{In: &bytes.Buffer{}, Out: &out,
			ErrOut: &errOut}); code != 0 {
			t.Fatalf("Main(%q) = %d, stderr %s", args, code, &errOut)
		}
		// The values come one a line, then a line ":DIRECTIVE".
		got := out.String()[:strings.LastIndex("\n"+out.String(), "\n:")]
		if got != tt.want {
			t.Errorf("complete %q = %q, want %q", tt.args, got, tt.want)
		}
	}
}

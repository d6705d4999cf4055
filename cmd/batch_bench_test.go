package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkRecordBatchChained measures record --batch into chained trails,
// per entry, including parsing requests and printing decisions.
func BenchmarkRecordBatchChained(b *testing.B) {
	dir := b.TempDir()
	cfg := filepath.Join(dir, "chain.yaml")
	os.WriteFile(cfg, []byte("defaults:\n  integrity: chain\n"), 0o644)
	var in strings.Builder
	for i := 0; i < b.N; i++ {
		fmt.Fprintf(&in, `{"trail":"tenant%d:actiongate@user:%d","verdict":"ALLOW",`+
			`"severity":"INFO","reason":"rule %d matched","detail":{"request_id":"req-%08d",`+
			`"calls":%d}}`+"\n", i%4, i%16, i%97, i, i%50)
	}
	b.ResetTimer()
	code := Main(context.Background(), []string{"--config", cfg, "--store",
		filepath.Join(dir, "audit.jsonl"), "record", "--batch"},
		Streams{In: strings.NewReader(in.String()), Out: io.Discard, ErrOut: &bytes.Buffer{}})
	if code != 0 {
		b.Fatalf("record --batch exit %d", code)
	}
}

package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchRequests returns n record --batch requests in 16 chained trails,
// numbered from first, as scripts/bench.sh generates them.
func benchRequests(first, n int) string {
	var in strings.Builder
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&in, `{"trail":"tenant%d:actiongate@user:%d","verdict":"ALLOW",`+
			`"severity":"INFO","reason":"rule %d matched","detail":{"request_id":"req-%08d",`+
			`"calls":%d}}`+"\n", i%16%4, i%16, i%97, i, i%50)
	}
	return in.String()
}

// BenchmarkCheckpoint measures the checkpoint commands on a store of
// 1,000,000 chained entries (10,000 with -short), each run in process
// through Main as the command line runs it:
//
//	rebuild            checkpoint with no tree files: the whole tree built
//	prove              prove one entry from the middle of the store
//	verify-proof       check that proof offline
//	verify             verify, chain rules only, for comparison
//	verify-checkpoint  verify --checkpoint: chain rules and tree together
//	append-1000        checkpoint --since the last one after 1,000 new entries
//	                   (last, since it grows the store)
func BenchmarkCheckpoint(b *testing.B) {
	entries := 1_000_000
	if testing.Short() {
		entries = 10_000
	}
	dir := b.TempDir()
	cfg := filepath.Join(dir, "chain.yaml")
	store := filepath.Join(dir, "audit.jsonl")
	os.WriteFile(cfg, []byte("defaults:\n  integrity: chain\n"), 0o644)
	run := func(b *testing.B, in string, args ...string) []byte {
		var out, errOut bytes.Buffer
		args = append([]string{"--config", cfg, "--store", store}, args...)
		if code := Main(context.Background(), args, Streams{In: strings.NewReader(in),
			Out: &out, ErrOut: &errOut}); code != 0 {
			b.Fatalf("auditgate %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
		return out.Bytes()
	}
	run(b, benchRequests(0, entries), "record", "--batch")
	key := filepath.Join(dir, "bench")
	run(b, "", "keygen", key)
	cp := filepath.Join(dir, "cp.txt")
	recorded := entries

	b.Run("rebuild", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			os.Remove(store + ".tree")
			os.Remove(store + ".tree-heads")
			run(b, "", "checkpoint", "--key", key+".key", "--out", cp, "--force")
		}
	})
	proof := filepath.Join(dir, "proof.json")
	entry := fmt.Sprintf("tenant1:actiongate@user:5#%d", entries/16/2)
	b.Run("prove", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			os.WriteFile(proof, run(b, "", "prove", entry, "--checkpoint", cp), 0o644)
		}
	})
	b.Run("verify-proof", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			run(b, "", "verify-proof", proof, "--key", key+".pub")
		}
	})
	b.Run("verify", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			run(b, "", "verify")
		}
	})
	b.Run("verify-checkpoint", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			run(b, "", "verify", "--checkpoint", cp, "--key", key+".pub")
		}
	})
	b.Run("append-1000", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			run(b, benchRequests(recorded, 1000), "record", "--batch")
			recorded += 1000
			os.Rename(cp, cp+".old")
			b.StartTimer()
			run(b, "", "checkpoint", "--key", key+".key", "--since", cp+".old", "--out", cp)
		}
	})
}

package checkpoint

import (
	"runtime"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// BenchmarkAudit measures comparing a log with a checkpoint, per line:
// hashing and parsing on every core, then the tree in order.
func BenchmarkAudit(b *testing.B) {
	lines := testLines(b, 20000, "tenant0:actiongate@user:0", "tenant1:actiongate@user:1")
	s, v := testKey(b, "bench")
	cp := signedOf(b, lines, nil, s, v)
	b.SetBytes(int64(len(lines[1])))
	b.ResetTimer()
	for i := 0; i < b.N; {
		a := NewAudit("test.example/log", []Named{{Name: "cp", Signed: cp}})
		p := NewPreparer(runtime.GOMAXPROCS(0), a.AddPrepared)
		n := min(b.N-i, len(lines))
		for _, l := range lines[:n] {
			p.Add(l)
		}
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
		i += n
	}
}

// BenchmarkInclusionProof measures proving one entry of a 1,000,000-line
// tree (10,000 with -short) from its stored hashes, and checking the proof
// and the checkpoint's signature as verify-proof does.
func BenchmarkInclusionProof(b *testing.B) {
	size := 1_000_000
	if testing.Short() {
		size = 10_000
	}
	lines := testLines(b, 1000, "tenant0:actiongate@user:0")
	log := &memLog{tree: NewTree(&MemoryHashes{}, 0), heads: NewHeads(nil, 0, 0)}
	for i := 0; i < size; i++ {
		if err := log.tree.Add(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
	log.heads.Add(lines[len(lines)-1])
	s, v := testKey(b, "bench")
	data, _, err := Make(log, "test.example/log", nil, []note.Signer{s})
	if err != nil {
		b.Fatal(err)
	}
	keys := Verifiers([]note.Verifier{v})
	cp, err := Open(data, keys)
	if err != nil {
		b.Fatal(err)
	}
	index := int64(size / 2)
	line := lines[index%int64(len(lines))]
	var p *InclusionProof
	b.Run("prove", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if p, err = ProveInclusion(log.Hashes(), cp, index, line, "tenant0:actiongate@user:0",
				index%int64(len(lines))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("check", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := p.Check(keys); err != nil {
				b.Fatal(err)
			}
		}
	})
}

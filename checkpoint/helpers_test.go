package checkpoint

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/auditgate/auditgate/core"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testLines returns n stored lines of chained entries spread over trails
// in turn, without their newlines.
func testLines(t testing.TB, n int, trails ...string) [][]byte {
	t.Helper()
	heads := make(map[string]*core.Entry)
	var lines [][]byte
	for i := 0; i < n; i++ {
		trail := trails[i%len(trails)]
		e := &core.Entry{SchemaVersion: core.SchemaVersion, Trail: trail,
			TS: core.FloatNumber(1796392402 + float64(i)), WallTS: "2026-12-04T11:23:16.561848+00:00",
			Verdict: core.Allow, Severity: core.Info, GateType: "gate", GateIdentity: trail,
			RecordedBy: "tester@host", Detail: []byte(fmt.Sprintf(`{"n":%d}`, i))}
		if prev := heads[trail]; prev != nil {
			e.Sequence, e.PrevHash = prev.Sequence+1, prev.EntryHash
		}
		e.EntryHash = e.ComputeHash()
		heads[trail] = e
		line := e.AppendLine(nil)
		lines = append(lines, line[:len(line)-1])
	}
	return lines
}

// memLog is a Source over lines kept in memory.
type memLog struct {
	tree  *Tree
	heads *Heads
}

func newMemLog(t testing.TB, lines [][]byte) *memLog {
	t.Helper()
	m := &memLog{tree: NewTree(&MemoryHashes{}, 0), heads: NewHeads(nil, 0, 0)}
	for _, l := range lines {
		if err := m.tree.Add(l); err != nil {
			t.Fatal(err)
		}
		m.heads.Add(l)
	}
	return m
}

func (m *memLog) Size() int64             { return m.tree.Size() }
func (m *memLog) Hashes() tlog.HashReader { return m.tree.Hashes() }
func (m *memLog) Heads() []Head           { return m.heads.List() }

// testKey returns a new signer and its verifier, named name.
func testKey(t testing.TB, name string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// signedOf makes and opens the checkpoint of lines.
func signedOf(t testing.TB, lines [][]byte, since *Signed, s note.Signer,
	v note.Verifier) *Signed {
	t.Helper()
	data, _, err := Make(newMemLog(t, lines), "test.example/log", since, []note.Signer{s})
	if err != nil {
		t.Fatalf("Make: %v", err)
	}
	cp, err := Open(data, Verifiers([]note.Verifier{v}))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return cp
}

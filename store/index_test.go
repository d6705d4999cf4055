package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/auditgate/auditgate/core"
)

// TestIndexGrowsWithTrails records into more trails than the smallest table
// holds at half load, and checks every head afterwards.
func TestIndexGrowsWithTrails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	const trails = 3 * indexMinSlots / 2
	var reqs []core.Request
	for i := 0; i < trails; i++ {
		tr, _ := core.ParseTrail(fmt.Sprintf("t:s@user:%d", i))
		reqs = append(reqs, core.Request{Trail: tr, Verdict: core.Allow})
	}
	eng := &core.Engine{Store: NewFile(path)}
	for round := 0; round < 2; round++ {
		if _, err := eng.RecordGroup(t.Context(), reqs); err != nil {
			t.Fatal(err)
		}
	}
	ix, _ := openIndex(path + ".heads")
	if ix == nil {
		t.Fatal("no usable index after recording")
	}
	defer ix.close()
	if ix.slots < 2*trails || ix.used != trails {
		t.Errorf("index has %d slots, %d used; want at least %d slots and %d used",
			ix.slots, ix.used, 2*trails, trails)
	}
	for i := 0; i < trails; i++ {
		h, ok, err := ix.lookup(fmt.Sprintf("t:s@user:%d", i))
		if err != nil || !ok || h.Sequence != 1 {
			t.Fatalf("lookup(user:%d) = %+v, %v, %v; want sequence 1", i, h, ok, err)
		}
	}
	verifyStore(t, path)
}

// TestIndexHeaderBehindSlots simulates a crash after the slots were
// written but before the header: the header describes an older store, the
// slots already hold newer heads, and catching up must end right.
func TestIndexHeaderBehindSlots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	record(t, path, "a:b@c", core.IntegrityChain)
	old, err := os.ReadFile(path + ".heads")
	if err != nil {
		t.Fatal(err)
	}
	record(t, path, "a:b@c", core.IntegrityChain)
	record(t, path, "x:y@z", core.IntegrityChain)
	now, _ := os.ReadFile(path + ".heads")
	copy(now[:indexHeaderSize], old[:indexHeaderSize])
	if err := os.WriteFile(path+".heads", now, 0o644); err != nil {
		t.Fatal(err)
	}
	before := verifyStore(t, path)
	e := record(t, path, "a:b@c", core.IntegrityChain)
	if e.Sequence != 2 || e.PrevHash != before.Trails[0].HeadHash {
		t.Errorf("after a stale header: Sequence %d PrevHash %s, want 2 and %s", e.Sequence,
			e.PrevHash, before.Trails[0].HeadHash)
	}
	verifyStore(t, path)
}

// TestIndexNotWritable records into a store whose directory does not let
// the index be created: recording still works, from the store itself.
func TestIndexNotWritable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	record(t, path, "a:b@c", core.IntegrityChain)
	// A directory where the index file should be makes it unwritable,
	// even for root.
	os.Remove(path + ".heads")
	if err := os.Mkdir(path+".heads", 0o755); err != nil {
		t.Fatal(err)
	}
	e := record(t, path, "a:b@c", core.IntegrityChain)
	if e.Sequence != 1 {
		t.Errorf("Sequence = %d without an index, want 1", e.Sequence)
	}
	verifyStore(t, path)
}

package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

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
	ix := openTestIndex(t, path)
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

// TestIndexDamagedSlot damages the slot of a trail's head in the ways a
// bad disk or a stray write would, and checks that the next entry still
// follows the true last one and that the index is rebuilt.
func TestIndexDamagedSlot(t *testing.T) {
	tests := []struct {
		name   string
		damage func(slot []byte)
		grow   bool // another tool appends to the store as well
	}{
		{"sequence byte changed", func(slot []byte) { slot[39] ^= 4 }, false},
		{"entry hash bit flipped", func(slot []byte) { slot[60] ^= 1 }, false},
		{"key overwritten", func(slot []byte) { copy(slot[3:43], "0123456789abcdefghijklmnopqrstuvwxyzABCD") }, false},
		{"in-use flag cleared", func(slot []byte) { slot[48] = 0 }, false},
		{"slot zeroed", func(slot []byte) { clear(slot) }, false},
		// Rewritten with a correct checksum: the slot no longer says what
		// the line it points to says.
		{"sequence rewritten and resealed", func(slot []byte) { slot[39] ^= 4; resealSlot(slot) }, false},
		// Pointing to an older entry of the trail, which says another sequence.
		{"offset rewritten and resealed", func(slot []byte) { clear(slot[49:56]); resealSlot(slot) }, false},
		{"sequence changed, store grown by another tool", func(slot []byte) { slot[39] ^= 4 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			for range 3 {
				record(t, path, "a:b@c", core.IntegrityChain)
			}
			record(t, path, "x:y@z", core.IntegrityChain)
			index, err := os.ReadFile(path + ".heads")
			if err != nil {
				t.Fatal(err)
			}
			ix := openTestIndex(t, path)
			slot, _, found, err := ix.find(trailKey("a:b@c"))
			ix.close()
			if err != nil || !found {
				t.Fatalf("find(a:b@c) = %v, %v before the damage", found, err)
			}
			off := indexHeaderSize + int(slot)*indexSlotSize
			tt.damage(index[off : off+indexSlotSize])
			if err := os.WriteFile(path+".heads", index, 0o644); err != nil {
				t.Fatal(err)
			}
			want := 3
			if tt.grow {
				// An entry written by another tool, which the index does not know.
				other := record(t, filepath.Join(t.TempDir(), "other.jsonl"), "n:s@p", core.IntegrityChain)
				f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.Write(other.AppendLine(nil))
				f.Close()
			}
			before := verifyStore(t, path)
			var head string
			for _, tr := range before.Trails {
				if tr.Trail == "a:b@c" {
					head = tr.HeadHash
				}
			}
			e := record(t, path, "a:b@c", core.IntegrityChain)
			if e.Sequence != int64(want) || e.PrevHash != head {
				t.Errorf("after the damage: Sequence %d PrevHash %s, want %d and %s",
					e.Sequence, e.PrevHash, want, head)
			}
			verifyStore(t, path)
			ix = openTestIndex(t, path)
			if ix == nil {
				t.Fatal("no usable index after recording")
			}
			defer ix.close()
			if h, ok, err := ix.lookup("a:b@c"); err != nil || !ok || h.Sequence != int64(want) {
				t.Errorf("index lookup after recording = %+v, %v, %v; want sequence %d", h, ok, err, want)
			}
		})
	}
}

// TestIndexNotTrustedForAnotherFile replaces the store by a file of the
// same length with the same last line but another newest entry for one
// trail, renamed over it or written over it in place: the index names the
// file it was written for, as it was then, so it is rebuilt and the next
// entry follows the new file's head.
func TestIndexNotTrustedForAnotherFile(t *testing.T) {
	t.Run("renamed over", func(t *testing.T) { testStoreReplaced(t, false) })
	t.Run("overwritten in place", func(t *testing.T) { testStoreReplaced(t, true) })
}

func testStoreReplaced(t *testing.T, inPlace bool) {
	dir := t.TempDir()
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ps := core.NewPolicies()
	ps.Defaults.Integrity = core.IntegrityChain
	rec := func(path, trail string, v core.Verdict) *core.Entry {
		t.Helper()
		tr, _ := core.ParseTrail(trail)
		eng := &core.Engine{Store: NewFile(path), Policies: ps, Now: func() time.Time { return at }}
		d, err := eng.Record(t.Context(), core.Request{Trail: tr, Verdict: v})
		if err != nil {
			t.Fatal(err)
		}
		return d.Entry
	}
	path := filepath.Join(dir, "audit.jsonl")
	rec(path, "a:x@u", core.Allow)
	rec(path, "b:y@v", core.Allow)
	head, _ := os.ReadFile(path)
	rec(path, "a:x@u", core.Allow)
	last := rec(path, "b:y@v", core.Allow)

	// The other file: the same first two lines, another a:x@u #1 of the
	// same length (BLOCK for ALLOW), then the same last line.
	other := filepath.Join(dir, "other.jsonl")
	if err := os.WriteFile(other, head, 0o644); err != nil {
		t.Fatal(err)
	}
	changed := rec(other, "a:x@u", core.Block)
	f, err := os.OpenFile(other, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(last.AppendLine(nil))
	f.Close()
	os.Remove(other + ".heads")
	a, _ := os.Stat(path)
	b, _ := os.Stat(other)
	if a.Size() != b.Size() {
		t.Fatalf("the files are %d and %d bytes; the test needs them alike", a.Size(), b.Size())
	}
	if inPlace {
		// Overwritten in place, as cp does: the same inode.
		data, err := os.ReadFile(other)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}

	e := rec(path, "a:x@u", core.Allow)
	if e.Sequence != 2 || e.PrevHash != changed.EntryHash {
		t.Errorf("after the store was replaced: #%d linking to %.12s, want #2 linking to %.12s",
			e.Sequence, e.PrevHash, changed.EntryHash)
	}
	verifyStore(t, path)
}

// TestIndexZeroedBlock zeroes a whole 4 KiB block of the table, as a failing
// disk may: every slot in it, empty or not, fails its checksum, so the next
// entry still follows its trail's true last entry.
func TestIndexZeroedBlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	for i := range 40 {
		record(t, path, fmt.Sprintf("t:s@user:%d", i%20), core.IntegrityChain)
	}
	index, err := os.ReadFile(path + ".heads")
	if err != nil {
		t.Fatal(err)
	}
	ix := openTestIndex(t, path)
	slot, _, found, err := ix.find(trailKey("t:s@user:7"))
	ix.close()
	if err != nil || !found {
		t.Fatalf("find = %v, %v", found, err)
	}
	off := indexHeaderSize + int(slot)*indexSlotSize
	block := off &^ 4095
	clear(index[block:min(block+4096, len(index))])
	if block < indexHeaderSize {
		t.Fatalf("the slot is in the first block, with the header; the test wants it later")
	}
	if err := os.WriteFile(path+".heads", index, 0o644); err != nil {
		t.Fatal(err)
	}
	if e := record(t, path, "t:s@user:7", core.IntegrityChain); e.Sequence != 2 {
		t.Errorf("after a zeroed block: sequence %d, want 2", e.Sequence)
	}
	verifyStore(t, path)
}

// openTestIndex opens the heads index of the store at path for lookups, or
// returns nil when it has none that is usable.
func openTestIndex(t *testing.T, path string) *headIndex {
	t.Helper()
	ix, _ := openIndex(path + ".heads")
	if ix == nil {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ix.store = bytes.NewReader(data)
	return ix
}

// resealSlot gives a slot the checksum of its home place, where a table
// of the smallest size holding few trails keeps it.
func resealSlot(slot []byte) {
	key := [32]byte(slot[:32])
	i := binary.BigEndian.Uint64(key[:8]) & (indexMinSlots - 1)
	sealSlot(slot, i)
}

// TestIndexCutUnderALookup: a table cut short after it was opened, as
// another process may do, reads as damaged, which a writer answers by
// rebuilding the index, not by failing the entry.
func TestIndexCutUnderALookup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	record(t, path, "a:b@c", core.IntegrityChain)
	ix := openTestIndex(t, path)
	if ix == nil {
		t.Fatal("no usable index")
	}
	defer ix.close()
	if err := os.Truncate(path+".heads", indexHeaderSize+8); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ix.lookup("a:b@c"); !errors.Is(err, errIndexDamaged) {
		t.Errorf("lookup in a table cut short = %v, want errIndexDamaged", err)
	}
	if e := record(t, path, "a:b@c", core.IntegrityChain); e.Sequence != 1 {
		t.Errorf("after the table was cut: sequence %d, want 1", e.Sequence)
	}
	verifyStore(t, path)
}

// TestIndexRewrittenUnderAWriter puts an older copy of the table in place
// of the one a writer has open, as cp does (the same file, rewritten): the
// writer's lookups and its commit see that the header changed, instead of
// taking heads from the old slots or mixing its slots into the old table.
func TestIndexRewrittenUnderAWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	record(t, path, "a:x@u", core.IntegrityChain)
	record(t, path, "b:x@u", core.IntegrityChain)
	old, err := os.ReadFile(path + ".heads")
	if err != nil {
		t.Fatal(err)
	}
	record(t, path, "a:x@u", core.IntegrityChain)
	record(t, path, "b:x@u", core.IntegrityChain)

	ix := openTestIndex(t, path)
	if ix == nil {
		t.Fatal("no usable index")
	}
	defer ix.close()
	if err := os.WriteFile(path+".heads", old, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ix.lookup("a:x@u"); !errors.Is(err, errIndexDamaged) {
		t.Errorf("lookup in a table rewritten under it = %v, want errIndexDamaged", err)
	}
	err = ix.commit(path+".heads", map[string]headAt{}, ix.size, ix.lines, ix.tailOff,
		ix.tailHash, ix.storeID)
	if !errors.Is(err, errIndexDamaged) {
		t.Errorf("commit to a table rewritten under it = %v, want errIndexDamaged", err)
	}
	if got, _ := os.ReadFile(path + ".heads"); !bytes.Equal(got, old) {
		t.Error("the commit wrote into the table rewritten under it")
	}
	// The next writer finds the old table's identity stale and rebuilds.
	if e := record(t, path, "b:x@u", core.IntegrityChain); e.Sequence != 2 {
		t.Errorf("next entry of b:x@u: sequence %d, want 2", e.Sequence)
	}
	verifyStore(t, path)
}

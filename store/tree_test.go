package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/auditgate/auditgate/checkpoint"
	"github.com/auditgate/auditgate/core"
	"golang.org/x/mod/sumdb/tlog"
)

// storeLines returns the store's complete lines, without newlines.
func storeLines(t *testing.T, path string) [][]byte {
	t.Helper()
	var lines [][]byte
	if _, err := NewFile(path).ScanLines(func(_ int64, line []byte) error {
		lines = append(lines, bytes.Clone(line))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return lines
}

// wantRoot is the root of a tree built in memory from lines.
func wantRoot(t *testing.T, lines [][]byte) tlog.Hash {
	t.Helper()
	tree := checkpoint.NewTree(&checkpoint.MemoryHashes{}, 0)
	for _, l := range lines {
		if err := tree.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	root, err := tree.Root(tree.Size())
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// openTree opens the store's tree and returns its size and root.
func openTree(t *testing.T, path string) (*Tree, tlog.Hash) {
	t.Helper()
	tree, err := NewFile(path).OpenTree()
	if err != nil {
		t.Fatalf("OpenTree: %v", err)
	}
	t.Cleanup(func() { tree.Close() })
	root, err := tlog.TreeHash(tree.Size(), tree.Hashes())
	if err != nil {
		t.Fatal(err)
	}
	return tree, root
}

func TestTreeFollowsTheStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	for i := 0; i < 5; i++ {
		record(t, path, "a:b@c", core.IntegrityChain)
	}
	last := record(t, path, "x:y@z d", core.IntegrityHash)
	tree, root := openTree(t, path)
	lines := storeLines(t, path)
	if tree.Size() != 6 || root != wantRoot(t, lines) {
		t.Fatalf("tree of 6 lines: size %d root %s, want 6 and %s", tree.Size(), root,
			wantRoot(t, lines))
	}
	heads := tree.Heads()
	if len(heads) != 2 || heads[1] != (checkpoint.Head{Trail: "x:y@z d", Sequence: 0,
		EntryHash: last.EntryHash}) || heads[0].Sequence != 4 {
		t.Errorf("Heads() = %+v, want a:b@c #4 and x:y@z d #0", heads)
	}
	first, err := tree.FirstLine()
	if err != nil || !bytes.Equal(first, lines[0]) {
		t.Errorf("FirstLine() = %s, %v, want %s", first, err, lines[0])
	}
	tree.Close()

	// Grown: only the new lines are read. A covered line changed behind
	// the tree's back is not read again, so the root is the old lines'.
	for i := 0; i < 40; i++ {
		record(t, path, "a:b@c", core.IntegrityChain)
	}
	grown := storeLines(t, path)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(data, []byte(`"sequence":1}`), []byte(`"sequence":7}`), 1),
		0o644)
	tree, root = openTree(t, path)
	if tree.Size() != 46 || root != wantRoot(t, grown) {
		t.Errorf("grown tree: size %d root %s, want 46 and %s (from the lines first read)",
			tree.Size(), root, wantRoot(t, grown))
	}
	if err := tree.Rebuild(); err != nil {
		t.Fatal(err)
	}
	rebuilt, _ := tlog.TreeHash(tree.Size(), tree.Hashes())
	if rebuilt != wantRoot(t, storeLines(t, path)) || rebuilt == root {
		t.Errorf("Rebuild() root %s, want %s from the lines as they are", rebuilt,
			wantRoot(t, storeLines(t, path)))
	}
}

func TestTreeRebuiltWhenStale(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, store string)
	}{
		{"tree deleted", func(t *testing.T, store string) { os.Remove(store + ".tree") }},
		{"heads deleted", func(t *testing.T, store string) { os.Remove(store + ".tree-heads") }},
		{"header garbage", func(t *testing.T, store string) {
			f, _ := os.OpenFile(store+".tree", os.O_WRONLY, 0)
			f.WriteAt([]byte("garbage"), 20)
			f.Close()
		}},
		{"heads edited", func(t *testing.T, store string) {
			data, _ := os.ReadFile(store + ".tree-heads")
			os.WriteFile(store+".tree-heads", bytes.Replace(data, []byte("head 2"),
				[]byte("head 9"), 1), 0o644)
		}},
		{"store cut back", func(t *testing.T, store string) {
			lines := storeLines(t, store)
			os.WriteFile(store, append(bytes.Join(lines[:2], []byte("\n")), '\n'), 0o644)
		}},
		{"store rewritten, same length", func(t *testing.T, store string) {
			data, _ := os.ReadFile(store)
			os.WriteFile(store, bytes.ReplaceAll(data, []byte("a:b@c"), []byte("a:b@d")), 0o644)
		}},
		{"tree of another store", func(t *testing.T, store string) {
			other := filepath.Join(filepath.Dir(store), "other.jsonl")
			record(t, other, "q:r@s", core.IntegrityHash)
			openTree(t, other)
			for _, ext := range []string{".tree", ".tree-heads"} {
				data, _ := os.ReadFile(other + ext)
				os.WriteFile(store+ext, data, 0o644)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			for i := 0; i < 3; i++ {
				record(t, path, "a:b@c", core.IntegrityChain)
			}
			tree, _ := openTree(t, path)
			tree.Close()
			tt.damage(t, path)
			tree, root := openTree(t, path)
			lines := storeLines(t, path)
			if tree.Size() != int64(len(lines)) || root != wantRoot(t, lines) {
				t.Errorf("after damage: size %d root %s, want %d and %s", tree.Size(), root,
					len(lines), wantRoot(t, lines))
			}
			if len(tree.Heads()) != 1 || tree.Heads()[0].Sequence != int64(len(lines)-1) {
				t.Errorf("after damage: heads %+v, want one at #%d", tree.Heads(), len(lines)-1)
			}
		})
	}
}

func TestTreeCoversCompleteLinesOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	record(t, path, "a:b@c", core.IntegrityHash)
	record(t, path, "a:b@c", core.IntegrityHash)
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("not an entry\n{\"schema_version\":\"0.1")
	f.Close()
	tree, root := openTree(t, path)
	lines := storeLines(t, path)
	if tree.Size() != 3 || len(lines) != 3 || root != wantRoot(t, lines) {
		t.Errorf("tree: size %d, %d lines scanned; want 3 (the partial line is not covered)",
			tree.Size(), len(lines))
	}
	if tree.FirstBad() != 3 {
		t.Errorf("FirstBad() = %d, want 3", tree.FirstBad())
	}
	if len(tree.Heads()) != 1 || tree.Heads()[0].Sequence != 1 {
		t.Errorf("Heads() = %+v, want a:b@c #1", tree.Heads())
	}
}

// TestTreeNotWritable builds the tree in memory when its files cannot be
// written: proofs still work.
func TestTreeNotWritable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	for i := 0; i < 9; i++ {
		record(t, path, "a:b@c", core.IntegrityChain)
	}
	if err := os.Mkdir(path+".tree", 0o755); err != nil {
		t.Fatal(err)
	}
	tree, root := openTree(t, path)
	lines := storeLines(t, path)
	if tree.Size() != 9 || root != wantRoot(t, lines) {
		t.Fatalf("in-memory tree: size %d root %s, want 9 and %s", tree.Size(), root,
			wantRoot(t, lines))
	}
	proof, err := tlog.ProveRecord(9, 4, tree.Hashes())
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckRecord(proof, 9, root, 4, tlog.RecordHash(lines[4])); err != nil {
		t.Errorf("proof from the in-memory tree: %v", err)
	}
}

package checkpoint

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// HashStore keeps a tree's stored hashes: the hashes tlog.StoredHashes
// returns for each leaf, at the indexes tlog.StoredHashIndex gives, which
// are everything needed for roots and proofs at any size up to the tree's.
//
// Append is called with index equal to the number of hashes stored so far,
// and ReadHashes may be asked for any index below that, including hashes
// appended and not yet made durable. A HashStore kept on disk can be
// changed by whoever can write its file: a root or proof computed from it
// is only believed once checked against a signed checkpoint, or against the
// lines themselves.
type HashStore interface {
	tlog.HashReader
	Append(index int64, hashes []tlog.Hash) error
}

// Tree is a log's Merkle tree, grown one line at a time over a HashStore.
// A Tree is not safe for concurrent use.
type Tree struct {
	store HashStore
	size  int64
}

// NewTree returns the tree of size leaves whose stored hashes are in store.
func NewTree(store HashStore, size int64) *Tree {
	return &Tree{store: store, size: size}
}

// Size returns the number of leaves.
func (t *Tree) Size() int64 { return t.size }

// Add appends one line, without its newline, as the next leaf.
func (t *Tree) Add(line []byte) error {
	return t.AddHash(tlog.RecordHash(line))
}

// AddHash appends the next leaf given its record hash, tlog.RecordHash of
// the line, which callers may compute ahead, on other goroutines.
func (t *Tree) AddHash(leaf tlog.Hash) error {
	hashes, err := tlog.StoredHashesForRecordHash(t.size, leaf, t.store)
	if err != nil {
		return err
	}
	if err := t.store.Append(tlog.StoredHashIndex(0, t.size), hashes); err != nil {
		return err
	}
	t.size++
	return nil
}

// Root returns the root hash of the tree's first n leaves, n <= Size.
func (t *Tree) Root(n int64) (tlog.Hash, error) {
	if n < 0 || n > t.size {
		return tlog.Hash{}, fmt.Errorf("no root for %d lines in a tree of %d", n, t.size)
	}
	return tlog.TreeHash(n, t.store)
}

// Hashes returns the tree's stored hashes, for proofs.
func (t *Tree) Hashes() tlog.HashReader { return t.store }

// MemoryHashes is a HashStore in memory, holding every stored hash: for
// tests, and for a log whose hashes cannot be kept on disk.
type MemoryHashes []tlog.Hash

// ReadHashes implements tlog.HashReader.
func (m *MemoryHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*m)) {
			return nil, fmt.Errorf("no stored hash %d (%d stored)", x, len(*m))
		}
		out[i] = (*m)[x]
	}
	return out, nil
}

// Append implements HashStore.
func (m *MemoryHashes) Append(index int64, hashes []tlog.Hash) error {
	if index != int64(len(*m)) {
		return fmt.Errorf("append at stored hash %d, want %d", index, len(*m))
	}
	*m = append(*m, hashes...)
	return nil
}

// Frontier is a HashStore that keeps only what growing the tree and
// taking its root still need: the roots of its largest complete subtrees,
// at most one per level. It reads a log of any length in constant memory,
// but can prove nothing.
type Frontier struct {
	hashes map[int64]tlog.Hash
	count  int64
}

// NewFrontier returns an empty Frontier.
func NewFrontier() *Frontier { return &Frontier{hashes: make(map[int64]tlog.Hash)} }

// ReadHashes implements tlog.HashReader for the hashes still kept.
func (f *Frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := f.hashes[x]
		if !ok {
			return nil, fmt.Errorf("stored hash %d is no longer kept", x)
		}
		out[i] = h
	}
	return out, nil
}

// Append implements HashStore. Once a subtree is complete its two halves
// are forgotten: nothing asks for them again.
func (f *Frontier) Append(index int64, hashes []tlog.Hash) error {
	if index != f.count {
		return fmt.Errorf("append at stored hash %d, want %d", index, f.count)
	}
	for i, h := range hashes {
		x := index + int64(i)
		f.hashes[x] = h
		if level, n := tlog.SplitStoredHashIndex(x); level > 0 {
			delete(f.hashes, tlog.StoredHashIndex(level-1, 2*n))
			delete(f.hashes, tlog.StoredHashIndex(level-1, 2*n+1))
		}
	}
	f.count += int64(len(hashes))
	return nil
}

package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/auditgate/auditgate/checkpoint"
	"golang.org/x/mod/sumdb/tlog"
)

// The tree files keep the Merkle tree over a store's lines (see package
// checkpoint) so that a new checkpoint costs work for the lines added since
// the last one, not for the whole store. They are caches: the store is the
// only source of truth, and files that do not match it are rebuilt from it.
//
// <store>.tree holds the tree's stored hashes. Layout, integers big-endian:
//
//	header (160 bytes)
//	  0  magic "AGTREE01"
//	  8  number of lines covered (the tree's leaves)
//	 16  store length those lines take, newlines included
//	 24  offset of the last covered line
//	 32  SHA-256 of the last covered line, newline included
//	 64  1-based number of the first covered line that is not an entry, 0 for none
//	 72  SHA-256 of the content of <store>.tree-heads
//	104  SHA-256 of bytes 0-103
//	hashes (32 bytes each) from byte 160, hash i at 160+32*i, in the order
//	of tlog.StoredHashIndex: tlog.StoredHashCount(lines) of them
//
// <store>.tree-heads holds the trail heads at those lines as the text of
// an unsigned checkpoint (origin "auditgate-tree-heads", root zero), so
// each head is a line "head SEQ HASH TRAIL". It is replaced whole, through
// a temporary file, each time the tree grows.
//
// Growing writes the new hashes and flushes them, replaces the heads file,
// then writes and flushes the header, so after a crash the header describes
// hashes that are on disk; a heads file that does not match the header's
// hash makes both be rebuilt. A header whose length is beyond the store's,
// or whose last line is not the store's line at that offset, was written
// for another file or a store since cut or rewritten: both are rebuilt.
// Other changes to covered lines are not looked for here; a checkpoint made
// from stale files does not match the store, and verify, which reads the
// lines themselves, says so.
const (
	treeMagic      = "AGTREE01"
	treeHeaderSize = 160
	treeHeadsName  = "auditgate-tree-heads"
	treeFlushEvery = 1 << 16 // hashes kept in memory before they are written
)

// TreePath returns the path of the tree's hashes file.
func (f *File) TreePath() string { return f.path + ".tree" }

// TreeHeadsPath returns the path of the tree's heads file.
func (f *File) TreeHeadsPath() string { return f.path + ".tree-heads" }

// Tree is the Merkle tree over a store's complete lines and the trail
// heads at its end, open and locked until Close. It is a checkpoint.Source.
type Tree struct {
	file     *File
	store    *os.File
	fh       *os.File // the hashes file, locked; nil when kept in memory only
	tree     *checkpoint.Tree
	hashes   checkpoint.HashStore
	heads    *checkpoint.Heads
	length   int64 // store bytes covered
	tailOff  int64
	tailHash [32]byte
}

// OpenTree brings the tree files up to every complete line of the store,
// reading only the lines added since they were last written, and returns
// the tree, locked against other processes until Close. Lines that are not
// entries are covered like any other and name no trail head.
//
// When the tree files cannot be written (a read-only directory, say) the
// whole tree is built in memory from the store instead.
func (f *File) OpenTree() (*Tree, error) {
	store, err := os.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", f.path, unwrapPath(err))
	}
	t := &Tree{file: f, store: store}
	if t.fh, err = os.OpenFile(f.TreePath(), os.O_RDWR|os.O_CREATE, 0o644); err == nil {
		if err := lockFile(t.fh, true); err != nil {
			t.fh.Close()
			t.fh = nil
		}
	}
	if t.fh == nil {
		t.reset()
	} else if !t.load() {
		t.reset()
	}
	if err := t.catchUp(); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// reset starts an empty tree, on disk when the hashes file is open.
func (t *Tree) reset() {
	if t.fh != nil {
		// A header left in place could describe hashes half overwritten.
		t.fh.Truncate(0)
		t.hashes = &treeHashes{f: t.fh}
	} else {
		t.hashes = &checkpoint.MemoryHashes{}
	}
	t.tree = checkpoint.NewTree(t.hashes, 0)
	t.heads = checkpoint.NewHeads(nil, 0, 0)
	t.length, t.tailOff, t.tailHash = 0, 0, [32]byte{}
}

// load reads the tree files and reports whether they describe a prefix of
// the store.
func (t *Tree) load() bool {
	var h [treeHeaderSize]byte
	if _, err := t.fh.ReadAt(h[:], 0); err != nil {
		return false
	}
	if string(h[:8]) != treeMagic || sha256.Sum256(h[:104]) != [32]byte(h[104:136]) {
		return false
	}
	lines := int64(binary.BigEndian.Uint64(h[8:]))
	length := int64(binary.BigEndian.Uint64(h[16:]))
	tailOff := int64(binary.BigEndian.Uint64(h[24:]))
	firstBad := int64(binary.BigEndian.Uint64(h[64:]))
	info, err := t.fh.Stat()
	if err != nil || lines < 1 || length < 1 || tailOff < 0 || tailOff >= length ||
		firstBad < 0 || firstBad > lines ||
		info.Size() < treeHeaderSize+32*tlog.StoredHashCount(lines) {
		return false
	}
	tailHash := [32]byte(h[32:64])
	size, err := t.storeSize()
	if err != nil || !prefixMatches(t.store, size, length, tailOff, tailHash) {
		return false
	}
	text, err := os.ReadFile(t.file.TreeHeadsPath())
	if err != nil || sha256.Sum256(text) != [32]byte(h[72:104]) {
		return false
	}
	c, err := checkpoint.Parse(string(text))
	if err != nil || c.Origin != treeHeadsName || c.Size != lines {
		return false
	}
	t.hashes = &treeHashes{f: t.fh, count: tlog.StoredHashCount(lines)}
	t.tree = checkpoint.NewTree(t.hashes, lines)
	t.heads = checkpoint.NewHeads(c.Heads, lines, firstBad)
	t.length, t.tailOff, t.tailHash = length, tailOff, tailHash
	return true
}

func (t *Tree) storeSize() (int64, error) {
	info, err := t.store.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// durableEnd returns the length of the complete lines of the store open
// as fh. The length is read under a shared lock, which waits for a writer
// in the middle of an append: bytes before it are then stable, since
// writers only append, and cut back only what they appended themselves or
// an unterminated last line, which lies after it.
func durableEnd(fh *os.File, path string) (int64, error) {
	if err := lockFile(fh, false); err != nil {
		return 0, fmt.Errorf("lock store %s: %w", path, err)
	}
	info, err := fh.Stat()
	unlockFile(fh)
	if err != nil {
		return 0, fmt.Errorf("stat store %s: %w", path, err)
	}
	end, err := lastLineStart(fh, info.Size())
	if err != nil {
		return 0, fmt.Errorf("read store %s: %w", path, err)
	}
	return end, nil
}

// IndexedLines returns the number of lines the heads index says the store
// has, cheaply, without reading the store; ok is false when there is no
// usable index. Other writers may have added lines since.
func (f *File) IndexedLines() (lines int64, ok bool) {
	ix, _ := openIndex(f.IndexPath())
	if ix == nil {
		return 0, false
	}
	defer ix.close()
	return int64(ix.lines), true
}

// ScanLines calls fn with each complete line of the store, without its
// newline, numbered from 1, in order, up to the end the store had when the
// scan began; an unterminated last line is not read. It returns the number
// of lines read. An error from fn stops the scan and is returned.
func (f *File) ScanLines(fn func(n int64, line []byte) error) (int64, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return 0, fmt.Errorf("open store %s: %w", f.path, unwrapPath(err))
	}
	defer fh.Close()
	end, err := durableEnd(fh, f.path)
	if err != nil {
		return 0, err
	}
	lr := newLineReader(io.NewSectionReader(fh, 0, end))
	for {
		line, _, _, err := lr.next()
		if errors.Is(err, io.EOF) {
			return int64(lr.line), nil
		}
		if err != nil {
			return int64(lr.line), fmt.Errorf("read store %s: %w", f.path, err)
		}
		if err := fn(int64(lr.line), line); err != nil {
			return int64(lr.line), err
		}
	}
}

// catchUp adds the store's complete lines after the tree's end, then
// writes the tree files.
func (t *Tree) catchUp() error {
	end, err := durableEnd(t.store, t.file.path)
	if err != nil {
		return err
	}
	if end < t.length {
		// The store was cut under us after load checked it.
		t.reset()
	}
	if end == t.length {
		return nil
	}
	lr := newLineReader(io.NewSectionReader(t.store, t.length, end-t.length))
	lr.off = t.length
	prep := checkpoint.NewPreparer(runtime.GOMAXPROCS(0),
		func(_ []byte, p checkpoint.Prepared) error {
			t.heads.Put(p)
			return t.tree.AddHash(p.Leaf)
		})
	var readErr error
	for {
		line, _, start, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = fmt.Errorf("read store %s: %w", t.file.path, err)
			break
		}
		prep.Add(line)
		t.tailOff = start
	}
	if err := prep.Close(); err != nil || readErr != nil {
		return errors.Join(readErr, err)
	}
	tail := make([]byte, lr.off-t.tailOff)
	if _, err := t.store.ReadAt(tail, t.tailOff); err != nil {
		return fmt.Errorf("read store %s: %w", t.file.path, err)
	}
	t.tailHash, t.length = sha256.Sum256(tail), lr.off
	if t.fh != nil {
		// The files are a cache: failing to write them costs a catch-up
		// later. The header is written last, so it still describes what
		// is on disk.
		_ = t.write()
	}
	return nil
}

// write stores the pending hashes, the heads file and the header.
func (t *Tree) write() error {
	th := t.hashes.(*treeHashes)
	if err := th.flush(); err != nil {
		return err
	}
	if err := t.fh.Sync(); err != nil {
		return err
	}
	text, err := (&checkpoint.Checkpoint{Origin: treeHeadsName, Size: t.tree.Size(),
		Heads: t.heads.List()}).Text()
	if err != nil {
		return err
	}
	if err := replaceFile(t.file.TreeHeadsPath(), text); err != nil {
		return err
	}
	var h [treeHeaderSize]byte
	copy(h[:], treeMagic)
	binary.BigEndian.PutUint64(h[8:], uint64(t.tree.Size()))
	binary.BigEndian.PutUint64(h[16:], uint64(t.length))
	binary.BigEndian.PutUint64(h[24:], uint64(t.tailOff))
	copy(h[32:64], t.tailHash[:])
	binary.BigEndian.PutUint64(h[64:], uint64(t.heads.FirstBad()))
	sum := sha256.Sum256(text)
	copy(h[72:104], sum[:])
	sum = sha256.Sum256(h[:104])
	copy(h[104:136], sum[:])
	if _, err := t.fh.WriteAt(h[:], 0); err != nil {
		return err
	}
	return t.fh.Sync()
}

// replaceFile replaces path with data, readable by all, through a flushed
// temporary file renamed into place.
func replaceFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// Rebuild forgets the tree files and builds them again from the whole
// store, for a tree whose root does not match what the store must hold.
func (t *Tree) Rebuild() error {
	t.reset()
	return t.catchUp()
}

// Size returns the number of lines covered.
func (t *Tree) Size() int64 { return t.tree.Size() }

// Hashes returns the tree's stored hashes, for roots and proofs.
func (t *Tree) Hashes() tlog.HashReader { return t.hashes }

// Heads returns the trail heads at the tree's end, sorted by trail.
func (t *Tree) Heads() []checkpoint.Head { return t.heads.List() }

// FirstBad returns the 1-based number of the first covered line that is
// not a well-formed entry, or 0 when there is none.
func (t *Tree) FirstBad() int64 { return t.heads.FirstBad() }

// FirstLine returns the store's first line, without its newline, or nil
// when the tree is empty.
func (t *Tree) FirstLine() ([]byte, error) {
	if t.tree.Size() == 0 {
		return nil, nil
	}
	lr := newLineReader(io.NewSectionReader(t.store, 0, t.length))
	line, _, _, err := lr.next()
	if err != nil {
		return nil, fmt.Errorf("read store %s: %w", t.file.path, err)
	}
	return bytes.Clone(line), nil
}

// Close releases the tree files.
func (t *Tree) Close() error {
	if t.fh != nil {
		unlockFile(t.fh)
		t.fh.Close()
	}
	return t.store.Close()
}

// treeHashes is a checkpoint.HashStore in the hashes file: count hashes on
// disk, then pending ones not yet written.
type treeHashes struct {
	f       *os.File
	count   int64
	pending []tlog.Hash
}

func (th *treeHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		switch {
		case x < 0 || x >= th.count+int64(len(th.pending)):
			return nil, fmt.Errorf("no stored hash %d", x)
		case x >= th.count:
			out[i] = th.pending[x-th.count]
		default:
			if _, err := th.f.ReadAt(out[i][:], treeHeaderSize+32*x); err != nil {
				return nil, fmt.Errorf("read stored hash %d: %w", x, err)
			}
		}
	}
	return out, nil
}

func (th *treeHashes) Append(index int64, hashes []tlog.Hash) error {
	if index != th.count+int64(len(th.pending)) {
		return fmt.Errorf("append at stored hash %d, want %d", index,
			th.count+int64(len(th.pending)))
	}
	th.pending = append(th.pending, hashes...)
	if len(th.pending) >= treeFlushEvery {
		return th.flush()
	}
	return nil
}

// flush writes the pending hashes.
func (th *treeHashes) flush() error {
	if len(th.pending) == 0 {
		return nil
	}
	buf := make([]byte, 0, 32*len(th.pending))
	for _, h := range th.pending {
		buf = append(buf, h[:]...)
	}
	if _, err := th.f.WriteAt(buf, treeHeaderSize+32*th.count); err != nil {
		return err
	}
	th.count += int64(len(th.pending))
	th.pending = th.pending[:0]
	return nil
}

package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/auditgate/auditgate/core"
)

// Store is the storage contract the engine records through; see core.Store
// for what an implementation guarantees and what its callers must distrust.
type Store = core.Store

// File is a store kept in one JSON-lines file: one entry per line, UTF-8,
// each line ended by "\n", only ever appended to.
//
// Writers in any number of processes may share a File. Each Update takes an
// exclusive lock on the store file, reads the trail heads, appends its lines
// with one write, flushes them to stable storage and only then returns nil.
// Beside the store it keeps two files of its own: <store>.heads, a
// rebuildable index of trail heads, and <store>.partial, where an
// unterminated last line left by a crash is set aside before the next append.
type File struct {
	path string
}

// NewFile returns the store kept at path. Nothing is opened or created
// until the first Update.
func NewFile(path string) *File {
	return &File{path: path}
}

// Path returns the store file's path.
func (f *File) Path() string { return f.path }

// IndexPath returns the path of the heads index.
func (f *File) IndexPath() string { return f.path + ".heads" }

// PartialPath returns the path of the file that keeps set-aside partial lines.
func (f *File) PartialPath() string { return f.path + ".partial" }

// Update implements core.Store.
func (f *File) Update(ctx context.Context, fn func(tx core.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fh, info, err := f.openLocked(ctx)
	if err != nil {
		return err
	}
	defer fh.Close()
	defer unlockFile(fh)

	if !info.Mode().IsRegular() {
		return fmt.Errorf("store %s is not a regular file", f.path)
	}
	size, err := f.setAside(fh, info.Size())
	if err != nil {
		return err
	}
	heads, err := f.heads(fh, size)
	if err != nil {
		return err
	}
	tx := &fileTx{heads: heads, staged: make(map[string]headAt), base: size,
		rebuild: func() (headSource, error) { return f.rebuildHeads(fh, size) }}
	defer func() { tx.heads.close() }()
	if bp, ok := groupBufs.Get().(*[]byte); ok {
		tx.buf = (*bp)[:0]
	}
	defer func() {
		if cap(tx.buf) <= maxPooledBuf {
			buf := tx.buf[:0]
			groupBufs.Put(&buf)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if len(tx.buf) == 0 {
		return nil
	}
	if err := f.write(fh, size, tx.buf); err != nil {
		return err
	}
	// The index is a cache: failing to update it costs a rebuild later.
	_ = tx.heads.commit(f.IndexPath(), tx.staged, size+int64(len(tx.buf)),
		tx.heads.lineCount()+tx.count, size+int64(tx.lastStart), sha256.Sum256(tx.buf[tx.lastStart:]),
		fileID(fh))
	return nil
}

// openLocked opens the store and takes its exclusive lock. The lock belongs
// to the file opened: when the store's path names another file by the time
// the lock is held (the store was replaced by a rename while this writer
// waited), it lets that file go and starts again with the file the path now
// names, so no entry is ever written into a file that is no longer the store.
func (f *File) openLocked(ctx context.Context) (*os.File, os.FileInfo, error) {
	for {
		fh, err := f.open()
		if err != nil {
			return nil, nil, err
		}
		if err := lockUntilDone(ctx, fh); err != nil {
			return nil, nil, fmt.Errorf("lock store %s: %w", f.path, err)
		}
		info, err := fh.Stat()
		if err != nil {
			unlockFile(fh)
			fh.Close()
			return nil, nil, fmt.Errorf("stat store %s: %w", f.path, err)
		}
		now, err := os.Stat(f.path)
		if err == nil && os.SameFile(info, now) {
			return fh, info, nil
		}
		unlockFile(fh)
		fh.Close()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("stat store %s: %w", f.path, unwrapPath(err))
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
	}
}

// lockUntilDone takes the exclusive lock on fh, or gives up when ctx is
// done first. On an error fh is no longer the caller's: it is closed, at
// once or, when the lock is still being waited for, by the goroutine that
// waits, which lets the lock go as soon as it has it.
func lockUntilDone(ctx context.Context, fh *os.File) error {
	ok, err := tryLockFile(fh)
	if ok || err != nil || ctx.Done() == nil {
		if !ok && err == nil {
			err = lockFile(fh, true)
		}
		if err != nil {
			fh.Close()
		}
		return err
	}
	got := make(chan error, 1)
	go func() { got <- lockFile(fh, true) }()
	select {
	case err := <-got:
		if err != nil {
			fh.Close()
		}
		return err
	case <-ctx.Done():
		go func() {
			if err := <-got; err == nil {
				unlockFile(fh)
			}
			fh.Close()
		}()
		return ctx.Err()
	}
}

// open opens the store for appending, creating it if needed. A new store's
// directory entry is flushed so that the file itself survives a crash.
func (f *File) open() (*os.File, error) {
	fh, err := os.OpenFile(f.path, os.O_RDWR|os.O_APPEND, 0)
	if err == nil {
		return fh, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open store %s: %w", f.path, unwrapPath(err))
	}
	fh, err = os.OpenFile(f.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create store %s: %w", f.path, unwrapPath(err))
	}
	if err := syncDir(filepath.Dir(f.path)); err != nil {
		fh.Close()
		return nil, fmt.Errorf("create store %s: %w", f.path, err)
	}
	return fh, nil
}

// unwrapPath drops the *PathError wrapper, whose path the caller names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// write appends buf at the end of the store (whose length is size) and
// flushes it. On failure it cuts the store back to size, so no partial line
// is left behind.
func (f *File) write(fh *os.File, size int64, buf []byte) error {
	n, err := fh.Write(buf)
	if err == nil && n != len(buf) {
		err = io.ErrShortWrite
	}
	if err == nil {
		err = fh.Sync()
	}
	if err == nil {
		return nil
	}
	err = fmt.Errorf("append to store %s: %w", f.path, unwrapPath(err))
	if terr := fh.Truncate(size); terr != nil {
		return fmt.Errorf("%w; cutting the partial write failed too (%v): "+
			"the next writer sets it aside", err, terr)
	}
	_ = fh.Sync()
	return err
}

// headSource gives a writer the trail heads and takes the new ones.
type headSource interface {
	lookup(trail string) (core.Head, bool, error)
	commit(path string, heads map[string]headAt, size int64, lines int, tailOff int64,
		tailHash [32]byte, id [24]byte) error
	lineCount() int
	close()
}

// heads returns the trail heads of a store of the given size: from the
// index when it matches the store; caught up by reading the lines added
// when the store only grew, where the file's identity cannot tell (outside
// Linux); otherwise rebuilt by reading the store. When no index can be written (a read-only
// directory, say), the heads read from the store serve this update alone.
func (f *File) heads(fh *os.File, size int64) (headSource, error) {
	ix, _ := openIndex(f.IndexPath())
	if ix != nil && !ix.matches(fh, size, fileID(fh)) {
		ix.close()
		ix = nil
	}
	from, lines := int64(0), 0
	if ix != nil {
		from, lines = ix.size, ix.lines
		ix.store = fh
	}
	scan := &indexScan{heads: make(map[string]headAt)}
	if err := scan.read(fh, from, size, lines, f.path); err != nil {
		ix.close()
		return nil, err
	}
	if ix == nil {
		if built, err := buildIndex(f.IndexPath(), scan, fh, fileID(fh)); err == nil {
			return built, nil
		}
		return scan, nil
	}
	if len(scan.heads) > 0 {
		if err := ix.commit(f.IndexPath(), scan.heads, scan.size, scan.lines, scan.tailOff,
			scan.tailHash, fileID(fh)); err != nil {
			// The index is a cache: one that cannot be brought up to date
			// is built again.
			ix.close()
			return f.rebuildHeads(fh, size)
		}
	}
	return ix, nil
}

// rebuildHeads reads the heads of a store of the given size from all of it
// and replaces the index with a new one holding them.
func (f *File) rebuildHeads(fh *os.File, size int64) (headSource, error) {
	scan := &indexScan{heads: make(map[string]headAt)}
	if err := scan.read(fh, 0, size, 0, f.path); err != nil {
		return nil, err
	}
	if built, err := buildIndex(f.IndexPath(), scan, fh, fileID(fh)); err == nil {
		return built, nil
	}
	return scan, nil
}

// groupBufs holds the buffers that groups of lines are built in, so that a
// long run of groups, as record --batch commits, grows one buffer once
// instead of one per group.
var groupBufs sync.Pool

// maxPooledBuf is the largest buffer kept for the next group.
const maxPooledBuf = 8 << 20

type fileTx struct {
	heads     headSource
	rebuild   func() (headSource, error) // heads read again from the whole store
	staged    map[string]headAt
	base      int64 // the store's length before this update
	buf       []byte
	lastStart int
	count     int
}

func (tx *fileTx) Head(trail string) (core.Head, bool, error) {
	if h, ok := tx.staged[trail]; ok {
		return h.Head, true, nil
	}
	h, ok, err := tx.heads.lookup(trail)
	if _, cached := tx.heads.(*headIndex); err != nil && cached {
		// The store is the truth; an index that cannot be read, or is
		// damaged, is only replaced.
		heads, rerr := tx.rebuild()
		if rerr != nil {
			return core.Head{}, false, rerr
		}
		tx.heads.close()
		tx.heads = heads
		return heads.lookup(trail)
	}
	return h, ok, err
}

func (tx *fileTx) Append(e *core.Entry) error {
	start := len(tx.buf)
	tx.buf = e.AppendLine(tx.buf)
	if n := len(tx.buf) - start; n > MaxLineBytes {
		tx.buf = tx.buf[:start]
		return fmt.Errorf("entry is %d bytes, longer than the %d MiB a stored line may hold",
			n, MaxLineBytes>>20)
	}
	tx.lastStart = start
	tx.count++
	tx.staged[e.Trail] = headAt{core.HeadOf(e), tx.base + int64(start)}
	return nil
}

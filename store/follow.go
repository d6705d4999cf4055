package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/auditgate/auditgate/core"
)

// FollowInterval is how often Follow looks for new lines.
const FollowInterval = 200 * time.Millisecond

// Follow calls fn for each complete line of the store, in order, and then
// for each line appended later, until ctx is done or fn fails. It takes no
// lock, so it never blocks writers, and it never passes on an unterminated
// line: a line is read only once its newline is there. caughtUp, when not
// nil, is called once, the first time Follow has read everything there was.
//
// An unterminated last line is read again at each look rather than kept,
// because a writer may set it aside (cut it from the store) and append a
// whole line in its place; the next line starts where the last whole line
// ended.
//
// A store that does not exist yet is waited for. A store that is replaced
// by a new file is followed from the new file's start; one cut shorter than
// its last whole line is followed from its new end.
func (f *File) Follow(ctx context.Context, fn func(Record) error, caughtUp func() error) error {
	var (
		fh      *os.File
		done    int64 // the offset just after the last whole line read
		line    int
		pending []byte
		buf     = make([]byte, 256<<10)
	)
	defer func() {
		if fh != nil {
			fh.Close()
		}
	}()
	ticker := time.NewTicker(FollowInterval)
	defer ticker.Stop()
	for {
		if fh == nil {
			var err error
			fh, err = os.Open(f.path)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("open store %s: %w", f.path, unwrapPath(err))
			}
			done, line = 0, 0
		}
		if fh != nil {
			replaced, size, err := f.changed(fh)
			if err != nil {
				return err
			}
			if replaced {
				fh.Close()
				fh = nil
				continue
			}
			if size < done {
				done = size
			}
			off := done
			pending = pending[:0]
			for off < size {
				n, err := fh.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
				if err != nil && !errors.Is(err, io.EOF) {
					return fmt.Errorf("read store %s: %w", f.path, err)
				}
				if n == 0 {
					break
				}
				off += int64(n)
				pending = append(pending, buf[:n]...)
				for {
					i := bytes.IndexByte(pending, '\n')
					if i < 0 {
						break
					}
					line++
					if err := fn(Record{Loc: core.Location{Line: line, Index: -1},
						Data: pending[:i]}); err != nil {
						return err
					}
					done += int64(i) + 1
					pending = pending[i+1:]
				}
				if len(pending) > MaxLineBytes {
					return fmt.Errorf("store %s line %d: %w", f.path, line+1, ErrLineTooLong)
				}
				pending = append([]byte(nil), pending...)
			}
		}
		if caughtUp != nil {
			if err := caughtUp(); err != nil {
				return err
			}
			caughtUp = nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// changed reports whether the store path now names another file than fh,
// and fh's size.
func (f *File) changed(fh *os.File) (bool, int64, error) {
	info, err := fh.Stat()
	if err != nil {
		return false, 0, fmt.Errorf("stat store %s: %w", f.path, err)
	}
	now, err := os.Stat(f.path)
	if err != nil {
		return true, info.Size(), nil
	}
	return !os.SameFile(info, now), info.Size(), nil
}

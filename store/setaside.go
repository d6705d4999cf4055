package store

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
	"unicode/utf8"

	"github.com/auditgate/auditgate/core"
)

// SetAside is one partial line that a writer moved out of the store into
// <store>.partial before appending. Its bytes were never an acknowledged
// entry: a write that was interrupted before it could be flushed.
type SetAside struct {
	At     string `json:"set_aside_at"` // when it was moved, ISO 8601 UTC
	Offset int64  `json:"store_offset"` // where it started in the store
	Length int    `json:"length"`
	Data   string `json:"data_base64"` // the exact bytes
	Text   string `json:"preview"`     // the start of the bytes as text, for people
}

// setAside moves an unterminated last line out of the store, unless it is
// a whole JSON value, which it ends with a newline instead. The bytes are
// appended to <store>.partial and flushed before the store is cut, so a
// crash in between can at worst keep them in both places. It returns the
// store's new size.
func (f *File) setAside(fh *os.File, size int64) (int64, error) {
	if size == 0 {
		return 0, nil
	}
	var last [1]byte
	if _, err := fh.ReadAt(last[:], size-1); err != nil {
		return 0, fmt.Errorf("read store %s: %w", f.path, err)
	}
	if last[0] == '\n' {
		return size, nil
	}
	cut, err := lastLineStart(fh, size)
	if err != nil {
		return 0, fmt.Errorf("read store %s: %w", f.path, err)
	}
	if size-cut > MaxLineBytes {
		return 0, fmt.Errorf("store %s ends with an unterminated line of %d bytes, too long "+
			"to set aside", f.path, size-cut)
	}
	data := make([]byte, size-cut)
	if _, err := fh.ReadAt(data, cut); err != nil {
		return 0, fmt.Errorf("read store %s: %w", f.path, err)
	}
	// A whole JSON value that only lacks its newline (written by a producer
	// that omits the last newline) is an entry, as readers take it: end it.
	// An interrupted write cannot look like that, since every proper prefix
	// of a JSON object is incomplete.
	if _, err := core.Canonical(data); err == nil {
		if _, err := fh.Write([]byte{'\n'}); err != nil {
			return 0, fmt.Errorf("end the last line of store %s: %w", f.path, err)
		}
		if err := fh.Sync(); err != nil {
			return 0, fmt.Errorf("flush store %s: %w", f.path, err)
		}
		return size + 1, nil
	}
	rec := SetAside{
		At:     time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		Offset: cut,
		Length: len(data),
		Data:   base64.StdEncoding.EncodeToString(data),
		Text:   preview(data),
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	if err := appendSynced(f.PartialPath(), append(line, '\n')); err != nil {
		return 0, fmt.Errorf("set aside the partial last line of store %s: %w", f.path, err)
	}
	if err := fh.Truncate(cut); err != nil {
		return 0, fmt.Errorf("cut the partial last line of store %s: %w", f.path, err)
	}
	if err := fh.Sync(); err != nil {
		return 0, fmt.Errorf("flush store %s: %w", f.path, err)
	}
	return cut, nil
}

// lastLineStart returns the offset just after the last newline before size,
// or 0 when there is none.
func lastLineStart(r io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	end := size
	for end > 0 {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := r.ReadAt(chunk, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

func preview(data []byte) string {
	const n = 200
	if len(data) > n {
		data = data[:n]
	}
	return string(bytes.ToValidUTF8(data, []byte(string(utf8.RuneError))))
}

func appendSynced(path string, data []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, werr := fh.Write(data)
	serr := fh.Sync()
	cerr := fh.Close()
	return errors.Join(werr, serr, cerr)
}

// SetAsides returns the partial lines set aside from the store so far.
func (f *File) SetAsides() ([]SetAside, error) {
	fh, err := os.Open(f.PartialPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []SetAside
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 2*MaxLineBytes)
	for n := 1; sc.Scan(); n++ {
		var rec SetAside
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return out, fmt.Errorf("%s line %d: %w", f.PartialPath(), n, err)
		}
		out = append(out, rec)
	}
	return out, sc.Err()
}

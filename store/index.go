package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/auditgate/auditgate/core"
)

// The heads index lets a writer find each trail's newest entry without
// reading the store. It is a cache: the store stays the only source of
// truth, and an index that does not match the store is rebuilt from it.
//
// Its text format, one record per line:
//
//	auditgate-heads 1
//	store <size> <lines> <tail-offset> <tail-sha256>
//	<trail-hex> <sequence> <entry-hash or -> <c (chained) or -> <ts>
//	...
//	end <number of trail lines>
//
// size is the length of the store the index describes and lines its number
// of lines; tail-offset is where its last line starts and tail-sha256 the
// hash of that line, so an index for another file, or for a store that was
// rewritten or truncated, is caught. A store that only grew is caught up by
// reading the lines added since.
type index struct {
	size      int64
	lines     int
	tailOff   int64
	tailHash  string
	heads     map[string]core.Head
	fromCache bool // loaded from the index file rather than rebuilt
}

const indexMagic = "auditgate-heads 1"

func newIndex() *index { return &index{heads: make(map[string]core.Head)} }

// readIndex loads the index file; a missing or unreadable one yields nil.
func readIndex(path string) *index {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	idx, err := parseIndex(data)
	if err != nil {
		return nil
	}
	return idx
}

func parseIndex(data []byte) (*index, error) {
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) < 3 || lines[0] != indexMagic {
		return nil, errors.New("not a heads index")
	}
	idx := newIndex()
	f := strings.Fields(lines[1])
	if len(f) != 5 || f[0] != "store" {
		return nil, errors.New("bad store line")
	}
	var err1, err2, err3 error
	idx.size, err1 = strconv.ParseInt(f[1], 10, 64)
	idx.lines, err2 = strconv.Atoi(f[2])
	idx.tailOff, err3 = strconv.ParseInt(f[3], 10, 64)
	idx.tailHash = f[4]
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	body := lines[2 : len(lines)-1]
	end := strings.Fields(lines[len(lines)-1])
	if len(end) != 2 || end[0] != "end" || end[1] != strconv.Itoa(len(body)) {
		return nil, errors.New("index is truncated")
	}
	for _, line := range body {
		f := strings.Fields(line)
		if len(f) != 5 {
			return nil, errors.New("bad trail line")
		}
		name, err := hex.DecodeString(f[0])
		if err != nil {
			return nil, err
		}
		var h core.Head
		if h.Sequence, err = strconv.ParseInt(f[1], 10, 64); err != nil {
			return nil, err
		}
		if f[2] != "-" {
			if !core.ValidHash(f[2]) {
				return nil, errors.New("bad hash")
			}
			h.EntryHash = f[2]
		}
		h.Chained = f[3] == "c"
		if h.TS, err = strconv.ParseFloat(f[4], 64); err != nil {
			return nil, err
		}
		idx.heads[string(name)] = h
	}
	idx.fromCache = true
	return idx, nil
}

func (idx *index) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nstore %d %d %d %s\n", indexMagic, idx.size, idx.lines, idx.tailOff,
		orDash(idx.tailHash))
	names := make([]string, 0, len(idx.heads))
	for name := range idx.heads {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		h := idx.heads[name]
		chained := "-"
		if h.Chained {
			chained = "c"
		}
		fmt.Fprintf(&b, "%x %d %s %s %s\n", name, h.Sequence, orDash(h.EntryHash), chained,
			strconv.FormatFloat(h.TS, 'g', -1, 64))
	}
	fmt.Fprintf(&b, "end %d\n", len(names))
	return b.Bytes()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeIndex replaces the index file atomically.
//
// TODO: the whole index is rewritten after every append, so the cost of a
// record grows with the number of trails (not entries); a store with a
// trail per end user wants an index updated in place, because at a million
// trails each record would rewrite tens of megabytes. The index is a cache, so
// it is not flushed: after a crash a stale or empty index is rebuilt.
func writeIndex(path string, idx *index) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".heads-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(idx.marshal())
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// matches reports whether idx describes a prefix of the store: its size is
// within the store's and its recorded last line is still there unchanged.
func (idx *index) matches(f io.ReaderAt, size int64) bool {
	if idx.size > size || idx.tailOff > idx.size {
		return false
	}
	if idx.size == 0 {
		return idx.tailHash == "" && len(idx.heads) == 0
	}
	tail := make([]byte, idx.size-idx.tailOff)
	if _, err := f.ReadAt(tail, idx.tailOff); err != nil {
		return false
	}
	sum := sha256.Sum256(tail)
	return hex.EncodeToString(sum[:]) == idx.tailHash && tail[len(tail)-1] == '\n'
}

// catchUp reads the store's lines from idx.size to size into the index. A
// line that is not a valid entry makes the store unreadable for writing:
// its trail's head cannot be known.
func (idx *index) catchUp(f io.ReaderAt, size int64, storePath string) error {
	if idx.size >= size {
		return nil
	}
	lr := newLineReader(io.NewSectionReader(f, idx.size, size-idx.size))
	lr.line = idx.lines
	lr.off = idx.size
	var p core.Parser
	for {
		line, _, start, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read store %s: %w", storePath, err)
		}
		e, err := p.ParseEntry(line)
		if err != nil {
			return fmt.Errorf("store %s line %d is not a valid entry (%v); "+
				"the trail heads cannot be known", storePath, lr.line, err)
		}
		idx.heads[e.Trail] = core.HeadOf(e)
		idx.tailOff = start
		sum := sha256.Sum256(append(line, '\n'))
		idx.tailHash = hex.EncodeToString(sum[:])
	}
	idx.size = lr.off
	idx.lines = lr.line
	return nil
}

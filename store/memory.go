package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/auditgate/auditgate/core"
)

// Memory is a store kept in memory, for tests and for programs that embed
// the engine and keep or ship the log themselves. It holds exactly the lines
// a File would hold for the same entries, byte for byte, and keeps the same
// promises, except that "durable" means "in this process's memory": the
// entries are lost with the process unless they are written out (WriteTo).
//
// Update runs one writer at a time. Entries appended in an Update become
// visible together when fn returns nil, and not at all when it returns an
// error or an entry is refused; a reader never sees part of an Update. An
// entry whose line is longer than MaxLineBytes is refused, as a File
// refuses it.
//
// Memory is safe for concurrent use. The zero value is an empty store.
type Memory struct {
	mu sync.Mutex
	// chunks hold every stored line, each ended by '\n', in order. A line
	// never spans two chunks, and a chunk is never moved or grown beyond
	// its capacity, so storing a line costs the same however large the log.
	chunks  [][]byte
	entries int
	heads   map[string]core.Head
	fail    error
	tx      memoryTx // reused by each Update, under mu
}

// Chunk capacities: the first is small for a small log, later ones double up
// to the largest.
const (
	memoryFirstChunk = 64 << 10
	memoryMaxChunk   = 4 << 20
)

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{} }

// memoryTx appends straight to the store's buffer and keeps what it
// replaced, so a failed Update can be undone.
type memoryTx struct {
	m       *Memory
	chunks  int // the number of chunks when the Update began
	lastLen int // the length of the last of them then
	count   int
	undo    []headUndo
	line    []byte // the line being appended
}

type headUndo struct {
	trail string
	head  core.Head
	had   bool
}

// Update implements core.Store.
func (m *Memory) Update(ctx context.Context, fn func(tx core.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return fmt.Errorf("memory store: %w", m.fail)
	}
	if m.heads == nil {
		m.heads = make(map[string]core.Head)
	}
	tx := &m.tx
	*tx = memoryTx{m: m, chunks: len(m.chunks), undo: tx.undo[:0], line: tx.line[:0]}
	if tx.chunks > 0 {
		tx.lastLen = len(m.chunks[tx.chunks-1])
	}
	if err := fn(tx); err != nil {
		tx.rollback()
		return err
	}
	m.entries += tx.count
	return nil
}

// rollback cuts the buffer back and restores the heads fn replaced, newest
// first, so a trail appended to twice gets its original head back.
func (tx *memoryTx) rollback() {
	m := tx.m
	clear(m.chunks[tx.chunks:])
	m.chunks = m.chunks[:tx.chunks]
	if tx.chunks > 0 {
		m.chunks[tx.chunks-1] = m.chunks[tx.chunks-1][:tx.lastLen]
	}
	for i := len(tx.undo) - 1; i >= 0; i-- {
		u := tx.undo[i]
		if u.had {
			m.heads[u.trail] = u.head
		} else {
			delete(m.heads, u.trail)
		}
	}
}

// Head implements core.Tx.
func (tx *memoryTx) Head(trail string) (core.Head, bool, error) {
	h, ok := tx.m.heads[trail]
	return h, ok, nil
}

// Append implements core.Tx.
func (tx *memoryTx) Append(e *core.Entry) error {
	m := tx.m
	tx.line = e.AppendLine(tx.line[:0])
	if n := len(tx.line); n > MaxLineBytes {
		return fmt.Errorf("entry is %d bytes, longer than the %d MiB a stored line may hold",
			n, MaxLineBytes>>20)
	}
	m.appendLine(tx.line)
	old, had := m.heads[e.Trail]
	tx.undo = append(tx.undo, headUndo{trail: e.Trail, head: old, had: had})
	m.heads[e.Trail] = core.HeadOf(e)
	tx.count++
	return nil
}

// appendLine copies line to the end of the last chunk, or to a new chunk
// when it does not fit.
func (m *Memory) appendLine(line []byte) {
	last := len(m.chunks) - 1
	if last < 0 || len(m.chunks[last])+len(line) > cap(m.chunks[last]) {
		size := memoryFirstChunk
		if last >= 0 {
			size = min(2*cap(m.chunks[last]), memoryMaxChunk)
		}
		m.chunks = append(m.chunks, make([]byte, 0, max(size, len(line))))
		last++
	}
	m.chunks[last] = append(m.chunks[last], line...)
}

// SetFailure makes every Update fail with err, storing nothing, until it is
// called again with nil: a stand-in for a full disk or a lost volume, to see
// a trail's policy at work.
func (m *Memory) SetFailure(err error) {
	m.mu.Lock()
	m.fail = err
	m.mu.Unlock()
}

// Len returns the number of entries stored.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.entries
}

// snapshot returns the stored lines, chunk by chunk. Stored bytes are never
// changed (a failed Update only cuts back bytes past every earlier
// snapshot), so the chunks may be read without the lock.
func (m *Memory) snapshot() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	chunks := make([][]byte, len(m.chunks))
	for i, c := range m.chunks {
		chunks[i] = c[:len(c):len(c)]
	}
	return chunks
}

// Bytes returns a copy of the log: one JSON line per entry, as a File with
// the same entries would hold it.
func (m *Memory) Bytes() []byte {
	return bytes.Join(m.snapshot(), nil)
}

// WriteTo writes the log to w as JSON lines, for keeping it in a file or
// handing it to verify. It implements io.WriterTo.
func (m *Memory) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for _, c := range m.snapshot() {
		n, err := w.Write(c)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// ReadLog calls fn for each stored entry, in order, as ReadLog reads a
// JSON-lines log. Entries stored while it runs are not read, and fn may
// record into the store.
func (m *Memory) ReadLog(fn func(Record) error) (Format, error) {
	chunks := m.snapshot()
	readers := make([]io.Reader, len(chunks))
	for i, c := range chunks {
		readers[i] = bytes.NewReader(c)
	}
	return ReadLog(io.MultiReader(readers...), fn)
}

package checkpoint

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestPreparerKeepsOrder prepares more lines than one chunk on several
// goroutines: fn sees every line, in order, with its own hash and head.
func TestPreparerKeepsOrder(t *testing.T) {
	lines := testLines(t, 3*prepareChunk+7, "a:b@c", "d:e@f")
	lines[5] = []byte("not an entry")
	var got int
	p := NewPreparer(3, func(line []byte, prep Prepared) error {
		want := lines[got]
		if !bytes.Equal(line, want) || prep.Leaf != tlog.RecordHash(want) {
			t.Fatalf("line %d: got %q, want %q", got, line, want)
		}
		if prep.Entry != (got != 5) || (prep.Entry && prep.Head.Sequence != int64(got/2)) {
			t.Fatalf("line %d: prepared %+v", got, prep)
		}
		got++
		return nil
	})
	for _, l := range lines {
		p.Add(l)
	}
	if err := p.Close(); err != nil || got != len(lines) {
		t.Fatalf("Close() = %v after %d lines, want nil after %d", err, got, len(lines))
	}
}

func TestPreparerStopsAtError(t *testing.T) {
	lines := testLines(t, 2*prepareChunk, "a:b@c")
	stop := errors.New("stop")
	calls := 0
	p := NewPreparer(2, func([]byte, Prepared) error {
		calls++
		if calls == 10 {
			return stop
		}
		return nil
	})
	for _, l := range lines {
		p.Add(l)
	}
	if err := p.Close(); !errors.Is(err, stop) || calls != 10 {
		t.Errorf("Close() = %v after %d calls, want the error of call 10", err, calls)
	}
}

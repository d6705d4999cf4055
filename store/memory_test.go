package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditgate/auditgate/core"
)

// fixedClock returns a clock that starts at a fixed time and ticks one
// millisecond per call, so two stores fed the same requests agree.
func fixedClock() func() time.Time {
	t := time.Date(2026, 12, 4, 11, 23, 16, 561848000, time.UTC)
	return func() time.Time { t = t.Add(time.Millisecond); return t }
}

// sampleRequests returns n requests over a few trails, with reasons,
// details and a non-ASCII principal.
func sampleRequests(n int) []core.Request {
	trails := []core.Trail{{Namespace: "billing", Source: "refund", Principal: "user:42"},
		{Namespace: "api", Source: "ratelimit", Principal: "zoë"}}
	reqs := make([]core.Request, n)
	for i := range reqs {
		reason := fmt.Sprintf("rule %d", i)
		reqs[i] = core.Request{Trail: trails[i%len(trails)], Verdict: core.Verdicts[i%4],
			Severity: core.Warn, Reason: &reason, RecordedBy: "tester@host",
			Detail: []byte(fmt.Sprintf(`{"i":%d}`, i))}
	}
	return reqs
}

func TestMemoryHoldsWhatAFileHolds(t *testing.T) {
	for _, integrity := range core.IntegrityModes {
		t.Run(integrity.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			mem := NewMemory()
			ps := core.NewPolicies()
			ps.Defaults.Integrity = integrity
			for _, st := range []core.Store{NewFile(path), mem} {
				eng := &core.Engine{Store: st, Policies: ps, Now: fixedClock()}
				for _, req := range sampleRequests(9) {
					if _, err := eng.Record(context.Background(), req); err != nil {
						t.Fatal(err)
					}
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := mem.Bytes(); !bytes.Equal(got, want) {
				t.Errorf("Memory.Bytes() =\n%s\nwant the File's\n%s", got, want)
			}
			var out bytes.Buffer
			if n, err := mem.WriteTo(&out); err != nil || n != int64(len(want)) ||
				!bytes.Equal(out.Bytes(), want) {
				t.Errorf("Memory.WriteTo() = %d, %v, want %d bytes equal to the File's",
					n, err, len(want))
			}
			if mem.Len() != 9 {
				t.Errorf("Memory.Len() = %d, want 9", mem.Len())
			}
		})
	}
}

// TestMemoryFailedUpdateLeavesNothing appends enough entries to fill
// several chunks in one Update that then fails: nothing of it may remain,
// and the next entry must follow the last stored one.
func TestMemoryFailedUpdateLeavesNothing(t *testing.T) {
	mem := NewMemory()
	eng := &core.Engine{Store: mem, Policies: chainPolicies()}
	reqs := sampleRequests(50)
	if _, err := eng.RecordGroup(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
	before := mem.Bytes()

	boom := errors.New("boom")
	err := mem.Update(context.Background(), func(tx core.Tx) error {
		for i := 0; i < 2000; i++ {
			tr := reqs[i%2].Trail.String()
			h, _, _ := tx.Head(tr)
			e := &core.Entry{SchemaVersion: core.SchemaVersion, Trail: tr, Verdict: core.Allow,
				TS: core.FloatNumber(1), WallTS: core.WallTime(time.Unix(1, 0)), GateType: "g",
				GateIdentity: "g", Detail: []byte("{}"), Sequence: h.Sequence + 1}
			if err := tx.Append(e); err != nil {
				return err
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update() = %v, want the function's error", err)
	}
	if got := mem.Bytes(); !bytes.Equal(got, before) || mem.Len() != 50 {
		t.Fatalf("after a failed Update the store holds %d entries (%d bytes), want 50 (%d bytes)",
			mem.Len(), len(got), len(before))
	}

	d, err := eng.Record(context.Background(), reqs[0])
	if err != nil || d.Entry.Sequence != 25 {
		t.Fatalf("Record() after a failed Update = %v, %v, want sequence 25", d.Entry, err)
	}
	report, _, err := Verify(mem, core.VerifyOptions{})
	if err != nil || !report.Valid() || report.Entries != 51 {
		t.Errorf("Verify() = %+v, %v, want 51 entries and no problem", report, err)
	}
}

func TestMemoryRefusesOverlongLine(t *testing.T) {
	mem := NewMemory()
	eng := &core.Engine{Store: mem}
	big := make([]byte, MaxLineBytes+2)
	copy(big, `{"x":"`)
	for i := 6; i < len(big)-2; i++ {
		big[i] = 'a'
	}
	copy(big[len(big)-2:], `"}`)
	req := core.Request{Trail: core.Trail{Namespace: "a", Source: "b", Principal: "c"},
		Verdict: core.Allow, Detail: big}
	d, err := eng.Record(context.Background(), req)
	if !errors.Is(err, core.ErrNotRecorded) || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("Record(overlong) = %v, want ErrNotRecorded naming the line length", err)
	}
	if d.Status != core.Dropped || mem.Len() != 0 || len(mem.Bytes()) != 0 {
		t.Errorf("Record(overlong) stored %d entries, status %s; want none, DROPPED",
			mem.Len(), d.Status)
	}
}

func TestMemorySetFailure(t *testing.T) {
	mem := NewMemory()
	eng := &core.Engine{Store: mem}
	req := sampleRequests(1)[0]
	full := errors.New("disk full")
	mem.SetFailure(full)
	d, err := eng.Record(context.Background(), req)
	if !errors.Is(err, core.ErrNotRecorded) || !errors.Is(err, full) || mem.Len() != 0 {
		t.Errorf("Record() on a failing store = %v, %v (%d stored), want ErrNotRecorded "+
			"wrapping the failure, nothing stored", d.Status, err, mem.Len())
	}
	mem.SetFailure(nil)
	if d, err := eng.Record(context.Background(), req); err != nil || d.Entry.Sequence != 0 {
		t.Errorf("Record() after the failure cleared = %v, %v, want sequence 0", d.Entry, err)
	}
}

func TestMemoryHonoursContext(t *testing.T) {
	mem := NewMemory()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := mem.Update(ctx, func(core.Tx) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("Update(canceled) = %v, called %v; want context.Canceled, not called", err, called)
	}
}

func chainPolicies() *core.Policies {
	ps := core.NewPolicies()
	ps.Defaults.Integrity = core.IntegrityChain
	return ps
}

// TestConcurrentRecording records from many goroutines into shared
// chained trails, in a Memory and in a File, and the end must hold every
// acknowledged entry exactly once, in whole chains. For the Memory, other
// goroutines read and verify the store meanwhile: every reader must see a
// whole, valid log.
func TestConcurrentRecording(t *testing.T) {
	tests := []struct {
		name string
		st   interface {
			core.Store
			Log
		}
		readers int
	}{
		{"memory", NewMemory(), 4},
		// File.ReadLog can return a torn line when it reads a line that a
		// writer is still appending, so the file is checked only at the end.
		{"file", NewFile(filepath.Join(t.TempDir(), "audit.jsonl")), 0},
	}
	for _, tt := range tests {
		st := tt.st
		t.Run(tt.name, func(t *testing.T) {
			const writers, each = 32, 40
			eng := &core.Engine{Store: st, Policies: chainPolicies()}
			trails := []core.Trail{{Namespace: "app", Source: "gate", Principal: "a"},
				{Namespace: "app", Source: "gate", Principal: "b"},
				{Namespace: "app", Source: "gate", Principal: "c"}}

			var acked sync.Map
			var writersWG, readersWG sync.WaitGroup
			done := make(chan struct{})
			errs := make(chan error, writers+tt.readers)
			for r := 0; r < tt.readers; r++ {
				readersWG.Add(1)
				go func() {
					defer readersWG.Done()
					for {
						report, _, err := Verify(st, core.VerifyOptions{})
						if err != nil {
							errs <- err
							return
						}
						if !report.Valid() {
							errs <- fmt.Errorf("a reader saw an invalid log: %+v", report.Problems)
							return
						}
						select {
						case <-done:
							return
						default:
						}
					}
				}()
			}
			for w := 0; w < writers; w++ {
				writersWG.Add(1)
				go func() {
					defer writersWG.Done()
					for i := 0; i < each; i++ {
						d, err := eng.Record(context.Background(), core.Request{
							Trail: trails[(w+i)%len(trails)], Verdict: core.Allow})
						if err != nil {
							errs <- err
							return
						}
						key := fmt.Sprintf("%s#%d", d.Trail, d.Entry.Sequence)
						if _, dup := acked.LoadOrStore(key, true); dup {
							errs <- fmt.Errorf("%s acknowledged twice", key)
						}
					}
				}()
			}
			writersWG.Wait()
			close(done)
			readersWG.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}

			report, _, err := Verify(st, core.VerifyOptions{})
			if err != nil || !report.Valid() || report.Entries != writers*each {
				t.Fatalf("Verify() = %d entries, %d problems, %v; want %d entries, none",
					report.Entries, report.ProblemCount, err, writers*each)
			}
			for _, tr := range report.Trails {
				if tr.FirstSeq != 0 || tr.LastSeq != int64(tr.Entries-1) || tr.Integrity != "chain" {
					t.Errorf("trail %s: sequences %d..%d over %d entries, integrity %s",
						tr.Trail, tr.FirstSeq, tr.LastSeq, tr.Entries, tr.Integrity)
				}
			}
		})
	}
}

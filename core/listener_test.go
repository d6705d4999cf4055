package core_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/store"
)

var (
	trailA = core.Trail{Namespace: "billing", Source: "refund", Principal: "user:42"}
	trailB = core.Trail{Namespace: "api", Source: "ratelimit", Principal: "global"}
)

// recordMany records n requests on each of workers goroutines, alternating
// two trails and with every fifth request below the min_severity the
// engine's policies set (WARN), and fails the test on any error.
func recordMany(t *testing.T, eng *core.Engine, workers, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				req := core.Request{Trail: trailA, Verdict: core.Allow, Severity: core.Warn}
				if i%2 == 1 {
					req.Trail = trailB
				}
				if i%5 == 4 {
					req.Severity = core.Debug
				}
				if _, err := eng.Record(context.Background(), req); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func warnEngine(st core.Store, ls *core.Listeners) *core.Engine {
	ps := core.NewPolicies()
	ps.Defaults.MinSeverity = core.Warn
	ps.Defaults.Integrity = core.IntegrityChain
	return &core.Engine{Store: st, Policies: ps, Listeners: ls}
}

// TestListenersSeeEveryDecision records from many goroutines with two
// listeners: each must receive every decision exactly once, recorded and
// dropped alike.
func TestListenersSeeEveryDecision(t *testing.T) {
	const workers, each = 32, 50
	mem := store.NewMemory()
	ls := &core.Listeners{}
	eng := warnEngine(mem, ls)

	type seen struct {
		mu       sync.Mutex
		recorded map[string]int
		dropped  int
	}
	listen := func(s *seen) func(core.Decision) {
		s.recorded = make(map[string]int)
		return func(d core.Decision) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if d.Status == core.Dropped {
				s.dropped++
				return
			}
			s.recorded[fmt.Sprintf("%s#%d", d.Trail, d.Entry.Sequence)]++
		}
	}
	var first, second seen
	l1 := ls.AddQueue(listen(&first), workers*each)
	l2 := ls.AddQueue(listen(&second), workers*each)
	recordMany(t, eng, workers, each)
	l1.Close()
	l2.Close()

	wantDropped := workers * each / 5
	wantRecorded := workers*each - wantDropped
	for name, s := range map[string]*seen{"first": &first, "second": &second} {
		if len(s.recorded) != wantRecorded || s.dropped != wantDropped {
			t.Errorf("%s listener saw %d distinct entries and %d drops, want %d and %d",
				name, len(s.recorded), s.dropped, wantRecorded, wantDropped)
		}
		for k, n := range s.recorded {
			if n != 1 {
				t.Errorf("%s listener saw %s %d times", name, k, n)
			}
		}
	}
	for _, l := range []*core.Listener{l1, l2} {
		if st := l.Stats(); st.Delivered != workers*each || st.Dropped != 0 || st.Panicked != 0 {
			t.Errorf("Stats() = %+v, want %d delivered, none dropped or panicked", st, workers*each)
		}
	}
	if mem.Len() != wantRecorded {
		t.Errorf("store holds %d entries, want %d", mem.Len(), wantRecorded)
	}
}

// TestPanickingListenerIsIsolated: a listener that panics on every call
// neither fails recording nor keeps another listener from its decisions,
// and each panic is counted.
func TestPanickingListenerIsIsolated(t *testing.T) {
	const workers, each = 16, 20
	mem := store.NewMemory()
	ls := &core.Listeners{}
	eng := warnEngine(mem, ls)
	bad := ls.AddQueue(func(d core.Decision) { panic("listener bug: " + d.Trail) }, workers*each)
	var mu sync.Mutex
	good := 0
	ok := ls.AddQueue(func(core.Decision) { mu.Lock(); good++; mu.Unlock() }, workers*each)

	recordMany(t, eng, workers, each)
	bad.Close()
	ok.Close()

	st := bad.Stats()
	if st.Panicked != workers*each || st.Delivered != 0 ||
		!strings.HasPrefix(st.LastPanic, "listener bug: ") {
		t.Errorf("panicking listener Stats() = %+v, want %d panics, none delivered, "+
			"LastPanic naming the panic", st, workers*each)
	}
	if good != workers*each || ok.Stats().Delivered != workers*each {
		t.Errorf("the other listener got %d decisions, want %d", good, workers*each)
	}
	if want := workers * each * 4 / 5; mem.Len() != want {
		t.Errorf("store holds %d entries, want %d", mem.Len(), want)
	}
}

// TestSlowListenerDoesNotHoldUpRecording: a listener stuck in its first
// call gets its queue filled and the rest dropped and counted, while
// recording goes on at full speed.
func TestSlowListenerDoesNotHoldUpRecording(t *testing.T) {
	const n, queue = 200, 8
	ls := &core.Listeners{}
	eng := warnEngine(store.NewMemory(), ls)
	release := make(chan struct{})
	stuck := ls.AddQueue(func(core.Decision) { <-release }, queue)

	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; i++ {
			if _, err := eng.Record(context.Background(), core.Request{Trail: trailA,
				Verdict: core.Allow, Severity: core.Warn}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a failure detector, not a wait
		t.Fatal("recording waited for a listener that does not return")
	}

	if dropped := stuck.Stats().Dropped; dropped < n-queue-1 {
		t.Errorf("Stats().Dropped = %d while the listener was stuck, want at least %d",
			dropped, n-queue-1)
	}
	close(release)
	stuck.Close()
	if st := stuck.Stats(); st.Delivered+st.Dropped != n {
		t.Errorf("Stats() = %+v: delivered + dropped = %d, want %d", st,
			st.Delivered+st.Dropped, n)
	}
}

// TestListenerSeesStoreFailures: a decision lost to a store failure reaches
// listeners, with the store error, like any other.
func TestListenerSeesStoreFailures(t *testing.T) {
	mem := store.NewMemory()
	ls := &core.Listeners{}
	eng := &core.Engine{Store: mem, Listeners: ls}
	var got []core.Decision
	l := ls.Add(func(d core.Decision) { got = append(got, d) })
	full := errors.New("disk full")
	mem.SetFailure(full)
	if _, err := eng.Record(context.Background(), core.Request{Trail: trailA,
		Verdict: core.Allow}); !errors.Is(err, core.ErrNotRecorded) {
		t.Fatalf("Record() = %v, want ErrNotRecorded", err)
	}
	l.Close()
	if len(got) != 1 || got[0].Status != core.Dropped || !errors.Is(got[0].StoreErr, full) {
		t.Errorf("listener got %+v, want one DROPPED decision with the store error", got)
	}
}

// TestClosedListenerGetsNothingMore: after Close a listener is not called,
// its counts stop, and closing again is harmless.
func TestClosedListenerGetsNothingMore(t *testing.T) {
	ls := &core.Listeners{}
	eng := &core.Engine{Store: store.NewMemory(), Listeners: ls}
	calls := 0
	l := ls.Add(func(core.Decision) { calls++ })
	req := core.Request{Trail: trailA, Verdict: core.Allow}
	if _, err := eng.Record(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := eng.Record(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if st := l.Stats(); calls != 1 || st.Delivered != 1 || st.Dropped != 0 {
		t.Errorf("after Close: %d calls, Stats() = %+v; want 1 call, 1 delivered, 0 dropped",
			calls, st)
	}
}

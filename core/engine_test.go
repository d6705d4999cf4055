package core

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// memStore keeps lines in memory, for testing the engine and verifier.
type memStore struct {
	lines [][]byte
	heads map[string]Head
	fail  error
}

func (m *memStore) Update(ctx context.Context, fn func(Tx) error) error {
	if m.fail != nil {
		return m.fail
	}
	if m.heads == nil {
		m.heads = make(map[string]Head)
	}
	return fn(memTx{m})
}

type memTx struct{ m *memStore }

func (tx memTx) Head(trail string) (Head, bool, error) {
	h, ok := tx.m.heads[trail]
	return h, ok, nil
}

func (tx memTx) Append(e *Entry) error {
	tx.m.lines = append(tx.m.lines, e.AppendLine(nil))
	tx.m.heads[e.Trail] = HeadOf(e)
	return nil
}

func mustTrail(t *testing.T, s string) Trail {
	t.Helper()
	tr, err := ParseTrail(s)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func policiesWith(integrity IntegrityMode) *Policies {
	ps := NewPolicies()
	ps.Defaults.Integrity = integrity
	return ps
}

func TestEngineChainsAndSequences(t *testing.T) {
	st := &memStore{}
	clock := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	eng := &Engine{Store: st, Policies: policiesWith(IntegrityChain),
		Now: func() time.Time { clock = clock.Add(-time.Second); return clock }}
	trail := mustTrail(t, "billing:refund@user:42")
	var prev *Entry
	for i := 0; i < 3; i++ {
		d, err := eng.Record(context.Background(), Request{Trail: trail, Verdict: Allow, Severity: Info})
		if err != nil || d.Status != Recorded {
			t.Fatalf("Record() = %v, %v, want RECORDED", d.Status, err)
		}
		e := d.Entry
		if e.Sequence != int64(i) {
			t.Errorf("entry %d: Sequence = %d, want %d", i, e.Sequence, i)
		}
		if e.GateType != "refund" || e.GateIdentity != trail.String() {
			t.Errorf("entry %d: gate = %q/%q, want refund/%s", i, e.GateType, e.GateIdentity, trail)
		}
		if prev != nil {
			if e.PrevHash != prev.EntryHash {
				t.Errorf("entry %d: PrevHash = %s, want %s", i, e.PrevHash, prev.EntryHash)
			}
			// The clock goes backwards; ts must not.
			if e.TS.Value < prev.TS.Value {
				t.Errorf("entry %d: ts %v < previous %v", i, e.TS.Value, prev.TS.Value)
			}
		} else if e.PrevHash != "" {
			t.Errorf("first entry: PrevHash = %s, want none", e.PrevHash)
		}
		if e.EntryHash != e.ComputeHash() {
			t.Errorf("entry %d: stored hash does not match", i)
		}
		prev = e
	}
	report := verifyLines(st.lines, VerifyOptions{})
	if !report.Valid() {
		t.Errorf("engine-written log is invalid: %+v", report.Problems)
	}
}

func TestEngineNeverWeakensATrail(t *testing.T) {
	st := &memStore{}
	trail := mustTrail(t, "a:b@c")
	for _, integ := range []IntegrityMode{IntegrityChain, IntegrityChain, IntegrityNone, IntegrityHash} {
		eng := &Engine{Store: st, Policies: policiesWith(integ)}
		if _, err := eng.Record(context.Background(), Request{Trail: trail, Verdict: Block}); err != nil {
			t.Fatal(err)
		}
	}
	report := verifyLines(st.lines, VerifyOptions{})
	if !report.Valid() {
		t.Errorf("log with a loosened policy is invalid: %+v", report.Problems)
	}
	if got := report.Trails[0].Integrity; got != "chain" {
		t.Errorf("trail integrity = %s, want chain", got)
	}
}

func TestEngineMinSeverityDrops(t *testing.T) {
	st := &memStore{}
	ps := NewPolicies()
	ps.Defaults.MinSeverity = Warn
	eng := &Engine{Store: st, Policies: ps}
	d, err := eng.Record(context.Background(), Request{Trail: mustTrail(t, "a:b@c"), Verdict: Allow,
		Severity: Info})
	if err != nil || d.Status != Dropped || !d.Proceed || len(st.lines) != 0 {
		t.Errorf("Record(INFO under min WARN) = %v proceed=%v err=%v lines=%d, "+
			"want DROPPED, proceed, nothing stored", d.Status, d.Proceed, err, len(st.lines))
	}
}

func TestEngineStoreFailurePolicies(t *testing.T) {
	storeErr := errors.New("disk on fire")
	tests := []struct {
		mode        Mode
		onErr       StoreErrorMode
		wantErr     bool
		wantProceed bool
	}{
		{Hard, FailClosed, true, false},
		{Soft, FailClosed, false, false},
		{Hard, FailOpen, false, true},
		{Soft, FailOpen, false, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode)+"+"+string(tt.onErr), func(t *testing.T) {
			ps := NewPolicies()
			ps.Defaults.Mode, ps.Defaults.OnStoreError = tt.mode, tt.onErr
			eng := &Engine{Store: &memStore{fail: storeErr}, Policies: ps}
			d, err := eng.Record(context.Background(), Request{Trail: mustTrail(t, "a:b@c"),
				Verdict: Allow})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Record() error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrNotRecorded) || !errors.Is(err, storeErr) {
					t.Errorf("error %v is not ErrNotRecorded wrapping the store error", err)
				}
			}
			if d.Status != Dropped || d.Proceed != tt.wantProceed || !errors.Is(d.StoreErr, storeErr) {
				t.Errorf("decision = %v proceed=%v storeErr=%v, want DROPPED proceed=%v",
					d.Status, d.Proceed, d.StoreErr, tt.wantProceed)
			}
		})
	}
}

func TestParseTrail(t *testing.T) {
	tests := []struct {
		in      string
		want    Trail
		wantErr string
	}{
		{"billing:refund@user:42", Trail{"billing", "refund", "user:42"}, ""},
		{"a:b@c@d:e", Trail{"a", "b", "c@d:e"}, ""},
		{"nocolon", Trail{}, "want namespace:source@principal"},
		{"a:b", Trail{}, "no '@'"},
		{":b@c", Trail{}, "empty namespace"},
		{"a:@c", Trail{}, "empty source"},
		{"a:b@", Trail{}, "empty principal"},
	}
	for _, tt := range tests {
		got, err := ParseTrail(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseTrail(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || got.String() != tt.in {
			t.Errorf("ParseTrail(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
	}
}

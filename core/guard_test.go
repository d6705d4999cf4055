package core_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/store"
)

func TestGuardRunsOnlyWhatMayProceed(t *testing.T) {
	diskFull := errors.New("disk full")
	tests := []struct {
		name     string
		mode     core.Mode
		onErr    core.StoreErrorMode
		verdict  core.Verdict
		severity core.Severity
		storeErr error
		wantRan  bool
		wantErr  error // nil: the action's own result
		wantStat core.Status
	}{
		{"allow recorded", core.Hard, core.FailClosed, core.Allow, core.Info, nil, true, nil, core.Recorded},
		{"override recorded", core.Hard, core.FailClosed, core.Override, core.Info, nil, true, nil, core.Recorded},
		{"block recorded", core.Hard, core.FailClosed, core.Block, core.Info, nil, false, core.ErrBlocked, core.Recorded},
		{"error recorded", core.Soft, core.FailOpen, core.Error, core.Info, nil, false, core.ErrBlocked, core.Recorded},
		{"allow below min_severity", core.Hard, core.FailClosed, core.Allow, core.Debug, nil, true, nil, core.Dropped},
		{"block below min_severity", core.Hard, core.FailClosed, core.Block, core.Debug, nil, false, core.ErrBlocked, core.Dropped},
		{"hard fail_closed", core.Hard, core.FailClosed, core.Allow, core.Info, diskFull, false, core.ErrNotRecorded, core.Dropped},
		{"soft fail_closed", core.Soft, core.FailClosed, core.Allow, core.Info, diskFull, false, core.ErrDropped, core.Dropped},
		{"hard fail_open", core.Hard, core.FailOpen, core.Allow, core.Info, diskFull, true, nil, core.Dropped},
		{"soft fail_open", core.Soft, core.FailOpen, core.Allow, core.Info, diskFull, true, nil, core.Dropped},
		{"block under fail_open", core.Soft, core.FailOpen, core.Block, core.Info, diskFull, false, core.ErrBlocked, core.Dropped},
	}
	actionErr := errors.New("the action's own failure")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := store.NewMemory()
			mem.SetFailure(tt.storeErr)
			ps := core.NewPolicies()
			ps.Defaults.Mode, ps.Defaults.OnStoreError = tt.mode, tt.onErr
			ps.Defaults.MinSeverity = core.Info
			eng := &core.Engine{Store: mem, Policies: ps}
			req := core.Request{Trail: trailA, Verdict: tt.verdict, Severity: tt.severity}

			ran := false
			r := eng.TryGuard(context.Background(), req, func(context.Context) error {
				ran = true
				return actionErr
			})
			if ran != tt.wantRan || r.Ran != tt.wantRan {
				t.Fatalf("TryGuard() ran the action: %v (Ran %v), want %v", ran, r.Ran, tt.wantRan)
			}
			want := tt.wantErr
			if tt.wantRan {
				want = actionErr
			}
			if !errors.Is(r.Err, want) {
				t.Errorf("TryGuard().Err = %v, want %v", r.Err, want)
			}
			if tt.storeErr != nil && !tt.wantRan && !errors.Is(r.Err, tt.storeErr) &&
				!errors.Is(r.Err, core.ErrBlocked) {
				t.Errorf("TryGuard().Err = %v, want it to wrap the store failure", r.Err)
			}
			if r.Decision.Status != tt.wantStat || r.Decision.Trail != trailA.String() {
				t.Errorf("TryGuard().Decision = %s %s, want %s %s", r.Decision.Status,
					r.Decision.Trail, tt.wantStat, trailA)
			}
			if err := eng.Guard(context.Background(), req,
				func(context.Context) error { return actionErr }); !errors.Is(err, want) {
				t.Errorf("Guard() = %v, want %v", err, want)
			}
		})
	}
}

func TestGuardSucceedsWithTheAction(t *testing.T) {
	eng := &core.Engine{Store: store.NewMemory()}
	req := core.Request{Trail: trailA, Verdict: core.Allow}
	if err := eng.Guard(context.Background(), req, func(context.Context) error { return nil }); err != nil {
		t.Errorf("Guard() with a succeeding action = %v, want nil", err)
	}
}

func TestGuardDoesNotRunUnderACanceledContext(t *testing.T) {
	ps := core.NewPolicies()
	ps.Defaults.OnStoreError = core.FailOpen
	eng := &core.Engine{Store: store.NewMemory(), Policies: ps}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := eng.Guard(ctx, core.Request{Trail: trailA, Verdict: core.Allow},
		func(context.Context) error { ran = true; return nil })
	if ran || !errors.Is(err, context.Canceled) {
		t.Errorf("Guard(canceled, fail_open) ran: %v, error %v; want not run, context.Canceled",
			ran, err)
	}
}

// TestGuardConcurrently guards an action from many goroutines: each action
// runs once, after its own entry is stored, and the trail verifies.
func TestGuardConcurrently(t *testing.T) {
	const workers, each = 32, 30
	mem := store.NewMemory()
	ps := core.NewPolicies()
	ps.Defaults.Integrity = core.IntegrityChain
	eng := &core.Engine{Store: mem, Policies: ps}
	var runs atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r := eng.TryGuard(context.Background(), core.Request{Trail: trailA,
					Verdict: core.Allow}, func(context.Context) error {
					runs.Add(1)
					return nil
				})
				if r.Err != nil || r.Decision.Entry == nil {
					t.Errorf("TryGuard() = %v, entry %v", r.Err, r.Decision.Entry)
					return
				}
			}
		}()
	}
	wg.Wait()
	report, _, err := store.Verify(mem, core.VerifyOptions{})
	if runs.Load() != workers*each || err != nil || !report.Valid() ||
		report.Entries != workers*each {
		t.Errorf("%d actions ran; Verify() = %d entries, %d problems, %v; want %d, valid",
			runs.Load(), report.Entries, report.ProblemCount, err, workers*each)
	}
}

func TestResultRequest(t *testing.T) {
	reason := "within budget"
	decided := core.Request{Trail: trailA, Verdict: core.Override, Severity: core.Warn,
		GateType: "budgetgate", GateIdentity: "budget-v2", RecordedBy: "ops@host", Reason: &reason,
		Detail: []byte(`{"amount":12}`)}
	hash := "9f2c000000000000000000000000000000000000000000000000000000000abc"
	recorded := core.Decision{Status: core.Recorded, Entry: &core.Entry{Sequence: 7, EntryHash: hash}}
	tests := []struct {
		name        string
		d           core.Decision
		r           core.CommandResult
		wantVerdict core.Verdict
		wantReason  string
		wantDetail  string
	}{
		{"success", recorded, core.CommandResult{ExitStatus: 0, Duration: 1500 * time.Millisecond},
			core.Override, "command exited with status 0",
			`{"decision_entry_hash":"` + hash + `","decision_sequence":7,"duration_seconds":1.5,"exit_status":0}`},
		{"failure", recorded, core.CommandResult{ExitStatus: 3, Duration: 250 * time.Microsecond},
			core.Error, "command exited with status 3",
			`{"decision_entry_hash":"` + hash + `","decision_sequence":7,"duration_seconds":0.00025,"exit_status":3}`},
		{"signal", recorded, core.CommandResult{ExitStatus: 143, Signal: "SIGTERM", Duration: 2 * time.Second},
			core.Error, "command killed by SIGTERM",
			`{"decision_entry_hash":"` + hash + `","decision_sequence":7,"duration_seconds":2.0,"exit_status":143,"signal":"SIGTERM"}`},
		{"not started, decision not stored", core.Decision{Status: core.Dropped},
			core.CommandResult{ExitStatus: 126, StartError: "permission denied"},
			core.Error, "command could not start: permission denied",
			`{"decision_entry_hash":null,"decision_sequence":null,"duration_seconds":0.0,"error":"permission denied","exit_status":126}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := core.ResultRequest(decided, tt.d, tt.r)
			if got.Verdict != tt.wantVerdict || got.Reason == nil || *got.Reason != tt.wantReason ||
				string(got.Detail) != tt.wantDetail {
				t.Errorf("ResultRequest() = verdict %s, reason %v, detail %s;\nwant %s, %q, %s",
					got.Verdict, got.Reason, got.Detail, tt.wantVerdict, tt.wantReason, tt.wantDetail)
			}
			if got.Trail != decided.Trail || got.Severity != decided.Severity ||
				got.GateType != decided.GateType || got.GateIdentity != decided.GateIdentity ||
				got.RecordedBy != decided.RecordedBy {
				t.Errorf("ResultRequest() = %+v, want the decision's trail, severity, gate and recorder",
					got)
			}
			if c, err := core.Canonical(got.Detail); err != nil || string(c) != string(got.Detail) {
				t.Errorf("ResultRequest() detail %s is not canonical JSON: %s, %v", got.Detail, c, err)
			}
		})
	}
	if *decided.Reason != "within budget" {
		t.Errorf("ResultRequest() changed the decision's reason to %q", *decided.Reason)
	}
}

package core_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/store"
)

// clock returns a clock that starts at a fixed time and ticks one second per
// reading, so the examples' hashes are the same at every run.
func clock() func() time.Time {
	t := time.Date(2026, 12, 4, 11, 23, 16, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

// Record a gate decision. Record returns once the entry is stored; under
// the default hard+fail_closed policy an error means it was not, and no
// action may go ahead.
func ExampleEngine_Record() {
	eng := &core.Engine{Store: store.NewMemory(), Now: clock()}
	trail, err := core.ParseTrail("billing:refund@user:42")
	if err != nil {
		panic(err)
	}
	reason := "over budget"
	d, err := eng.Record(context.Background(), core.Request{
		Trail:    trail,
		Verdict:  core.Block,
		Severity: core.Warn,
		Reason:   &reason,
		Detail:   []byte(`{"amount":129.5,"currency":"EUR"}`),
	})
	if errors.Is(err, core.ErrNotRecorded) {
		fmt.Println("not recorded: do not act")
		return
	}
	fmt.Println(d.Status, d.Trail, "#", d.Entry.Sequence, d.Entry.Verdict, d.Entry.Integrity())
	fmt.Println("hash", d.Entry.EntryHash[:12])
	// Output:
	// RECORDED billing:refund@user:42 # 0 BLOCK hash
	// hash ecab06a960e1
}

// Guard an action: it runs only after its decision is recorded, and only
// when the verdict allows it.
func ExampleEngine_Guard() {
	eng := &core.Engine{Store: store.NewMemory(), Now: clock()}
	trail := core.Trail{Namespace: "billing", Source: "refund", Principal: "user:42"}
	refund := func(context.Context) error {
		fmt.Println("refund issued")
		return nil
	}

	err := eng.Guard(context.Background(),
		core.Request{Trail: trail, Verdict: core.Allow, Severity: core.Info}, refund)
	fmt.Println("allow:", err)

	err = eng.Guard(context.Background(),
		core.Request{Trail: trail, Verdict: core.Block, Severity: core.Warn}, refund)
	fmt.Println("block:", errors.Is(err, core.ErrBlocked))
	// Output:
	// refund issued
	// allow: <nil>
	// block: true
}

// TryGuard reports what was recorded along with the action's result. Here
// the store fails under a soft+fail_closed policy: nothing is stored and
// the action does not run.
func ExampleEngine_TryGuard() {
	mem := store.NewMemory()
	mem.SetFailure(errors.New("disk full"))
	ps := core.NewPolicies()
	ps.Defaults.Mode = core.Soft
	eng := &core.Engine{Store: mem, Policies: ps}
	trail := core.Trail{Namespace: "billing", Source: "refund", Principal: "user:42"}

	r := eng.TryGuard(context.Background(), core.Request{Trail: trail, Verdict: core.Allow},
		func(context.Context) error {
			fmt.Println("refund issued")
			return nil
		})
	fmt.Println(r.Decision.Status, r.Ran, errors.Is(r.Err, core.ErrDropped))
	fmt.Println(r.Decision.Reason)
	// Output:
	// DROPPED false true
	// store error: memory store: disk full
}

// Verify a log: every hash, link and sequence of every trail.
func Example_verify() {
	mem := store.NewMemory()
	ps := core.NewPolicies()
	ps.Defaults.Integrity = core.IntegrityChain
	eng := &core.Engine{Store: mem, Policies: ps, Now: clock()}
	trail := core.Trail{Namespace: "billing", Source: "refund", Principal: "user:42"}
	for _, v := range []core.Verdict{core.Block, core.Override, core.Allow} {
		if _, err := eng.Record(context.Background(), core.Request{Trail: trail, Verdict: v}); err != nil {
			panic(err)
		}
	}

	report, logFormat, err := store.Verify(mem, core.VerifyOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(report.Valid(), report.Entries, "entries,", logFormat)
	for _, tr := range report.Trails {
		fmt.Println(tr.Trail, tr.FirstSeq, tr.LastSeq, tr.Integrity)
	}

	// Editing a stored verdict breaks its hash.
	log := bytes.Replace(mem.Bytes(), []byte(`"BLOCK"`), []byte(`"ALLOW"`), 1)
	report, _, err = store.Verify(store.ReaderLog(bytes.NewReader(log)), core.VerifyOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(report.Valid(), report.Problems[0].Kind, "on line", report.Problems[0].Line)
	// Output:
	// true 3 entries, jsonl
	// billing:refund@user:42 0 2 chain
	// false hash-mismatch on line 1
}

// Listen to every decision an engine reaches. A listener runs on its own
// goroutine: a slow one loses decisions rather than slowing recording, and
// a panicking one is counted, not fatal.
func ExampleListeners() {
	ls := &core.Listeners{}
	ps := core.NewPolicies()
	ps.Defaults.MinSeverity = core.Info
	eng := &core.Engine{Store: store.NewMemory(), Policies: ps, Listeners: ls}
	l := ls.Add(func(d core.Decision) {
		if d.Status == core.Dropped {
			fmt.Println("dropped:", d.Reason)
			return
		}
		fmt.Println("recorded:", d.Entry.Verdict, "#", d.Entry.Sequence)
	})
	trail := core.Trail{Namespace: "api", Source: "ratelimit", Principal: "user:7"}
	for _, sev := range []core.Severity{core.Info, core.Debug, core.Warn} {
		if _, err := eng.Record(context.Background(),
			core.Request{Trail: trail, Verdict: core.Allow, Severity: sev}); err != nil {
			panic(err)
		}
	}
	l.Close() // delivers what is queued, then stops
	st := l.Stats()
	fmt.Println(st.Delivered, "delivered,", st.Dropped, "dropped,", st.Panicked, "panicked")
	// Output:
	// recorded: ALLOW # 0
	// dropped: severity DEBUG is below the trail's min_severity INFO
	// recorded: ALLOW # 1
	// 3 delivered, 0 dropped, 0 panicked
}

package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/internal/waitctx"
)

func record(t *testing.T, path, trail string, integrity core.IntegrityMode) *core.Entry {
	t.Helper()
	ps := core.NewPolicies()
	ps.Defaults.Integrity = integrity
	tr, err := core.ParseTrail(trail)
	if err != nil {
		t.Fatal(err)
	}
	eng := &core.Engine{Store: NewFile(path), Policies: ps}
	d, err := eng.Record(context.Background(), core.Request{Trail: tr, Verdict: core.Allow})
	if err != nil {
		t.Fatalf("Record(%s) error: %v", trail, err)
	}
	return d.Entry
}

// verifyStore verifies a store file and fails the test on any problem.
func verifyStore(t *testing.T, path string) core.Report {
	t.Helper()
	v := core.NewVerifier(core.VerifyOptions{})
	if _, err := NewFile(path).ReadLog(func(rec Record) error {
		if rec.Partial {
			v.AddPartial(rec.Loc, len(rec.Data))
		} else {
			v.Add(rec.Loc, rec.Data)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r := v.Report()
	if !r.Valid() {
		t.Fatalf("store %s is invalid: %+v", path, r.Problems)
	}
	return r
}

func TestIndexRebuiltWhenStale(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, store, index string)
	}{
		{"deleted", func(t *testing.T, store, index string) {
			if err := os.Remove(index); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage", func(t *testing.T, store, index string) {
			if err := os.WriteFile(index, []byte("auditgate-heads 1\nstore x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"from another store", func(t *testing.T, store, index string) {
			other := filepath.Join(t.TempDir(), "other.jsonl")
			record(t, other, "a:b@c", core.IntegrityChain)
			data, err := os.ReadFile(other + ".heads")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(index, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"store appended by another tool", func(t *testing.T, store, index string) {
			// Another process appends the next entry without the index
			// knowing: simulate it by recording through a copy.
			copyPath := filepath.Join(t.TempDir(), "copy.jsonl")
			data, _ := os.ReadFile(store)
			os.WriteFile(copyPath, data, 0o644)
			e := record(t, copyPath, "a:b@c", core.IntegrityChain)
			f, _ := os.OpenFile(store, os.O_APPEND|os.O_WRONLY, 0)
			f.Write(e.AppendLine(nil))
			f.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			for i := 0; i < 3; i++ {
				record(t, path, "a:b@c", core.IntegrityChain)
			}
			tt.damage(t, path, path+".heads")
			before := verifyStore(t, path)
			e := record(t, path, "a:b@c", core.IntegrityChain)
			if want := before.Trails[0].LastSeq + 1; e.Sequence != want {
				t.Errorf("next Sequence = %d, want %d", e.Sequence, want)
			}
			if e.PrevHash != before.Trails[0].HeadHash {
				t.Errorf("next PrevHash = %s, want the true last hash %s", e.PrevHash,
					before.Trails[0].HeadHash)
			}
			verifyStore(t, path)
		})
	}
}

func TestPartialLineIsSetAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	first := record(t, path, "a:b@c", core.IntegrityChain)
	partial := []byte(`{"schema_version":"0.1.1","trail":"a:b@c","ts":17`)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(partial)
	f.Close()

	var sawPartial bool
	NewFile(path).ReadLog(func(rec Record) error {
		sawPartial = sawPartial || (rec.Partial && bytes.Equal(rec.Data, partial))
		return nil
	})
	if !sawPartial {
		t.Fatal("ReadLog did not report the unterminated last line as partial")
	}

	e := record(t, path, "a:b@c", core.IntegrityChain)
	if e.Sequence != 1 || e.PrevHash != first.EntryHash {
		t.Errorf("entry after a partial line: Sequence %d PrevHash %s, want 1 and %s",
			e.Sequence, e.PrevHash, first.EntryHash)
	}
	verifyStore(t, path)
	asides, err := NewFile(path).SetAsides()
	if err != nil || len(asides) != 1 {
		t.Fatalf("SetAsides() = %v, %v, want one record", asides, err)
	}
	if asides[0].Length != len(partial) || asides[0].Offset != int64(len(first.AppendLine(nil))) {
		t.Errorf("set-aside record = %+v, want %d bytes at offset %d", asides[0], len(partial),
			len(first.AppendLine(nil)))
	}
}

func TestUpdateFailsOnUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o644)
	err := NewFile(filepath.Join(notDir, "audit.jsonl")).Update(context.Background(),
		func(core.Tx) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Update() under a file = %v, want a 'not a directory' error", err)
	}
}

// The concurrency test runs copies of this test binary as writers.
const writerEnv = "AUDITGATE_TEST_WRITER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(writerEnv); spec != "" {
		os.Exit(runWriter(spec))
	}
	os.Exit(m.Run())
}

// runWriter records entries as "path|count|trail,trail,...", printing each
// acknowledged entry as trail#sequence.
func runWriter(spec string) int {
	parts := strings.Split(spec, "|")
	n, _ := strconv.Atoi(parts[1])
	trails := strings.Split(parts[2], ",")
	ps := core.NewPolicies()
	ps.Defaults.Integrity = core.IntegrityChain
	eng := &core.Engine{Store: NewFile(parts[0]), Policies: ps}
	for i := 0; i < n; i++ {
		tr, _ := core.ParseTrail(trails[i%len(trails)])
		d, err := eng.Record(context.Background(), core.Request{Trail: tr, Verdict: core.Allow})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("%s#%d\n", d.Trail, d.Entry.Sequence)
	}
	return 0
}

func TestConcurrentProcesses(t *testing.T) {
	const procs, each = 6, 60
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	trails := "app:gate@a,app:gate@b,app:gate@c"
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^$")
		cmds[i].Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d|%s", writerEnv, path, each, trails))
		outs[i] = &bytes.Buffer{}
		cmds[i].Stdout = outs[i]
		cmds[i].Stderr = os.Stderr
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	acked := make(map[string]int)
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
		for _, line := range strings.Fields(outs[i].String()) {
			acked[line]++
		}
	}
	if len(acked) != procs*each {
		t.Errorf("%d distinct acknowledged entries, want %d", len(acked), procs*each)
	}
	for k, n := range acked {
		if n != 1 {
			t.Errorf("%s acknowledged %d times", k, n)
		}
	}
	r := verifyStore(t, path)
	if r.Entries != procs*each {
		t.Errorf("store holds %d entries, want %d", r.Entries, procs*each)
	}
	for _, tr := range r.Trails {
		if tr.FirstSeq != 0 || tr.LastSeq != int64(tr.Entries-1) || tr.Integrity != "chain" {
			t.Errorf("trail %s: sequences %d..%d over %d entries, integrity %s",
				tr.Trail, tr.FirstSeq, tr.LastSeq, tr.Entries, tr.Integrity)
		}
	}
}

// endingContext is a context whose Done channel is closed from the start
// but whose Err reports nil the first time: it is done only after a caller
// has checked it once, as when it ends while Update waits for the lock.
type endingContext struct {
	context.Context
	done   chan struct{}
	checks int
}

func newEndingContext() *endingContext {
	c := &endingContext{Context: context.Background(), done: make(chan struct{})}
	close(c.done)
	return c
}

func (c *endingContext) Done() <-chan struct{} { return c.done }

func (c *endingContext) Err() error {
	c.checks++
	if c.checks == 1 {
		return nil
	}
	return context.Canceled
}

// TestUpdateGivesUpWhenContextEnds: a writer waiting for the store's lock
// returns the context's error once the context is done, stores nothing,
// and leaves no lock behind once the holder lets go.
func TestUpdateGivesUpWhenContextEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	record(t, path, "a:b@c", core.IntegrityChain)
	before, _ := os.ReadFile(path)
	holder, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := lockFile(holder, true); err != nil {
		t.Fatal(err)
	}

	tr, _ := core.ParseTrail("a:b@c")
	eng := &core.Engine{Store: NewFile(path)}
	ctx := newEndingContext()
	_, err = eng.Record(ctx, core.Request{Trail: tr, Verdict: core.Allow})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, core.ErrNotRecorded) {
		t.Errorf("Record while the lock is held and the context ends: %v, want a "+
			"NotRecordedError wrapping context.Canceled", err)
	}
	if ctx.checks < 2 {
		t.Errorf("the context was checked %d times; the test did not reach the wait", ctx.checks)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Errorf("the store changed:\n%s", after)
	}

	unlockFile(holder)
	holder.Close()
	if e := record(t, path, "a:b@c", core.IntegrityChain); e.Sequence != 1 {
		t.Errorf("the next entry has sequence %d, want 1", e.Sequence)
	}
	verifyStore(t, path)
}

// TestUpdateFollowsAStoreReplacedWhileWaiting: a writer that opened the
// store and waits for its lock while the store is replaced by a rename
// writes into the file the path now names, never into the one unlinked.
func TestUpdateFollowsAStoreReplacedWhileWaiting(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	first := record(t, path, "a:b@c", core.IntegrityChain)
	holder, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := lockFile(holder, true); err != nil {
		t.Fatal(err)
	}
	ctx := &waitctx.Context{Context: context.Background(), Hook: func() {
		// The operator copies the store and renames the copy over it, then
		// lets the old file's lock go.
		data, err := os.ReadFile(path)
		if err == nil {
			err = os.WriteFile(path+".new", data, 0o644)
		}
		if err == nil {
			err = os.Rename(path+".new", path)
		}
		if err != nil {
			t.Error(err)
		}
		unlockFile(holder)
		holder.Close()
	}}
	tr, _ := core.ParseTrail("a:b@c")
	ps := core.NewPolicies()
	ps.Defaults.Integrity = core.IntegrityChain
	eng := &core.Engine{Store: NewFile(path), Policies: ps}
	d, err := eng.Record(ctx, core.Request{Trail: tr, Verdict: core.Allow})
	if err != nil || d.Status != core.Recorded {
		t.Fatalf("Record = %+v, %v", d, err)
	}
	if !ctx.Ran {
		t.Fatal("the writer never found the lock held; the test did not reach the wait")
	}
	r := verifyStore(t, path)
	if r.Entries != 2 || d.Entry.Sequence != 1 || d.Entry.PrevHash != first.EntryHash {
		t.Errorf("the store holds %d entries and the new one is #%d linking to %.12s; "+
			"want 2, #1 and %.12s", r.Entries, d.Entry.Sequence, d.Entry.PrevHash, first.EntryHash)
	}
}

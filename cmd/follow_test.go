package cmd

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests run auditgate as separate processes: TestMain puts the test
// binary on $PATH as "auditgate". Every wait is a read from a pipe with a
// deadline, never a sleep.

// followWait bounds each wait for a followed line; follow looks for new
// lines every store.FollowInterval.
const followWait = 20 * time.Second

// agEnv is the environment the processes run with: no configuration from
// the environment the tests were started in.
func agEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AUDITGATE_") && !strings.HasPrefix(kv, "NO_COLOR=") &&
			!strings.HasPrefix(kv, "COLUMNS=") {
			env = append(env, kv)
		}
	}
	return append(env, "AUDITGATE_RECORDED_BY=tester@host")
}

// runAG runs auditgate in dir and returns its stdout; it fails the test on
// a non-zero exit.
func runAG(t *testing.T, dir string, args ...string) string {
	t.Helper()
	c := exec.Command("auditgate", args...)
	c.Dir, c.Env = dir, agEnv()
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("auditgate %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// lines reads lines from a pipe, each with a deadline.
type lines struct {
	f *os.File
	r *bufio.Reader
}

func (l *lines) next(t *testing.T, what string) string {
	t.Helper()
	if err := l.f.SetReadDeadline(time.Now().Add(followWait)); err != nil {
		t.Fatal(err)
	}
	line, err := l.r.ReadString('\n')
	if err != nil {
		t.Fatalf("waiting for %s: %v (read %q)", what, err, line)
	}
	return strings.TrimSuffix(line, "\n")
}

// follower is a running 'auditgate query -f'.
type follower struct {
	cmd            *exec.Cmd
	stdout, stderr *lines
}

func startFollow(t *testing.T, dir string, args ...string) *follower {
	t.Helper()
	c := exec.Command("auditgate", append([]string{"query", "-f"}, args...)...)
	c.Dir, c.Env = dir, agEnv()
	pipe := func() (*os.File, *lines) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return w, &lines{f: r, r: bufio.NewReader(r)}
	}
	outW, stdout := pipe()
	errW, stderr := pipe()
	c.Stdout, c.Stderr = outW, errW
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	outW.Close()
	errW.Close()
	f := &follower{cmd: c, stdout: stdout, stderr: stderr}
	t.Cleanup(func() {
		if c.ProcessState == nil {
			c.Process.Kill()
			c.Wait()
		}
	})
	return f
}

// stop interrupts the follower and checks that it ends with status 0 and
// prints nothing more.
func (f *follower) stop(t *testing.T) {
	t.Helper()
	if err := f.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("query -f after an interrupt: %v, want exit status 0", err)
		}
	case <-time.After(followWait):
		f.cmd.Process.Kill()
		t.Fatal("query -f did not end after an interrupt")
	}
	if err := f.stdout.f.SetReadDeadline(time.Now().Add(followWait)); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(f.stdout.r); err != nil || len(rest) > 0 {
		t.Errorf("query -f printed %q after the last entry (%v), want nothing", rest, err)
	}
}

// storeLines returns the store's lines.
func storeLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// TestFollowWaitsForStoreAndSeesOtherProcesses starts follow before the
// store exists, records entries with other processes, and reads each
// matching entry, exactly as stored, in append order.
func TestFollowWaitsForStoreAndSeesOtherProcesses(t *testing.T) {
	dir := t.TempDir()
	f := startFollow(t, dir, "--store", "audit.jsonl", "--verdict", "allow,block")

	// The note says follow has looked for the store and not found it.
	if got, want := f.stderr.next(t, "the waiting note"),
		"auditgate: waiting for audit.jsonl, which does not exist yet"; got != want {
		t.Fatalf("stderr = %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "audit.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("store exists before the first record: %v", err)
	}

	runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", "allow", "-d", "n:=1")
	first := f.stdout.next(t, "the first entry")
	runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", "error", "-d", "n:=2")
	runAG(t, dir, "record", "-t", "ratelimit:api@global", "--verdict", "block", "-d", "n:=3")
	second := f.stdout.next(t, "the block entry")
	f.stop(t)

	stored := storeLines(t, filepath.Join(dir, "audit.jsonl"))
	if len(stored) != 3 {
		t.Fatalf("store has %d lines, want 3", len(stored))
	}
	if first != stored[0] {
		t.Errorf("first followed line = %s, want the stored line %s", first, stored[0])
	}
	// The ERROR entry does not match --verdict allow,block.
	if second != stored[2] {
		t.Errorf("second followed line = %s, want the stored line %s", second, stored[2])
	}
}

// TestFollowAfterPartialLineSetAside follows a store that ends in a partial
// line left by an interrupted write. The partial line is never printed;
// the next record sets it aside and appends a whole line in its place,
// which follow must read whole, from where the last whole line ended.
func TestFollowAfterPartialLineSetAside(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "audit.jsonl")
	runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", "allow")
	fh, err := os.OpenFile(store, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Not the start of any line record writes, so that pieces glued
	// together cannot pass for an entry.
	if _, err := fh.WriteString(`{"trail":"crashed:mid@write","verdict":"BL`); err != nil {
		t.Fatal(err)
	}
	fh.Close()

	f := startFollow(t, dir, "-o", "jsonl")
	// Follow has read the store, partial line included, once it prints the
	// entry before it.
	first := f.stdout.next(t, "the whole entry")
	runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", "block",
		"--reason", "a reason long enough that the new line is longer than the partial one")
	second := f.stdout.next(t, "the entry recorded after the set-aside")
	runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", "override")
	third := f.stdout.next(t, "the entry after that")
	f.stop(t)

	if _, err := os.Stat(store + ".partial"); err != nil {
		t.Fatalf("the partial line was not set aside: %v", err)
	}
	stored := storeLines(t, store)
	if len(stored) != 3 {
		t.Fatalf("store has %d lines, want 3", len(stored))
	}
	for i, got := range []string{first, second, third} {
		if got != stored[i] {
			t.Errorf("followed line %d = %s, want the stored line %s", i+1, got, stored[i])
		}
	}
	f.stderr.f.SetReadDeadline(time.Now().Add(followWait))
	if warnings, _ := io.ReadAll(f.stderr.r); len(warnings) > 0 {
		t.Errorf("query -f warned: %s", warnings)
	}
}

// TestFollowTailThenNewEntries prints the last --tail matches of what is
// there, then every new match, as CSV rows under one header.
func TestFollowTailThenNewEntries(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"allow", "block", "allow"} {
		runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", v)
	}
	f := startFollow(t, dir, "--tail", "2", "-o", "csv", "--trail", "billing:*")
	header := f.stdout.next(t, "the CSV header")
	if !strings.HasPrefix(header, "schema_version,trail,ts,") {
		t.Errorf("first line = %q, want the CSV header", header)
	}
	var rows []string
	for range 2 {
		rows = append(rows, f.stdout.next(t, "a --tail row"))
	}
	runAG(t, dir, "record", "-t", "other:gate@global", "--verdict", "block")
	runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", "override")
	rows = append(rows, f.stdout.next(t, "the new row"))
	f.stop(t)

	wants := []struct{ verdict, sequence string }{{"BLOCK", "1"}, {"ALLOW", "2"}, {"OVERRIDE", "3"}}
	for i, want := range wants {
		if !strings.Contains(rows[i], ","+want.verdict+",INFO,") ||
			!strings.HasSuffix(rows[i], ","+want.sequence) {
			t.Errorf("row %d = %q, want verdict %s and sequence %s", i+1, rows[i], want.verdict,
				want.sequence)
		}
	}
}

// TestFollowTailZeroOnlyNew prints none of the matches already there with
// --tail 0, then each new one: the way to watch only what comes next.
func TestFollowTailZeroOnlyNew(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"allow", "block"} {
		runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", v)
	}
	f := startFollow(t, dir, "--tail", "0", "-o", "csv")
	// The header comes once what was there has been read.
	if header := f.stdout.next(t, "the CSV header"); !strings.HasPrefix(header, "schema_version,") {
		t.Fatalf("first line = %q, want the CSV header", header)
	}
	runAG(t, dir, "record", "-t", "billing:refund@user:42", "--verdict", "override")
	row := f.stdout.next(t, "the new row")
	f.stop(t)
	if !strings.Contains(row, ",OVERRIDE,INFO,") || !strings.HasSuffix(row, ",2") {
		t.Errorf("row = %q, want the new OVERRIDE entry, sequence 2", row)
	}
}

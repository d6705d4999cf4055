package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/auditgate/auditgate/internal/waitctx"
)

// The reliability tests run the real command as separate processes: the
// test binary stands in for auditgate on PATH (see TestMain).

func auditgatePath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("auditgate")
	if err != nil {
		t.Fatalf("auditgate is not on PATH: %v", err)
	}
	return path
}

// batchRequests returns n record --batch requests spread over trails.
func batchRequests(n, offset int, trails []string) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `{"trail":%q,"verdict":"ALLOW","reason":"request %d",`+
			`"detail":{"i":%d}}`+"\n", trails[(i+offset)%len(trails)], i+offset, i+offset)
	}
	return b.Bytes()
}

// batchAck is the part of a batch decision line these tests read.
type batchAck struct {
	Status    string `json:"status"`
	Trail     string `json:"trail"`
	Sequence  int64  `json:"sequence"`
	EntryHash string `json:"entry_hash"`
}

// storeEntries reads a store's entries as trail#sequence -> entry_hash. An
// unterminated last line, left by a write the kill interrupted, is not an
// entry.
func storeEntries(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.LastIndexByte(data, '\n'); i+1 < len(data) {
		data = data[:i+1]
	}
	out := make(map[string]string)
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var e struct {
			Trail     string `json:"trail"`
			Sequence  int64  `json:"sequence"`
			EntryHash string `json:"entry_hash"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("store line %q: %v", line, err)
		}
		key := fmt.Sprintf("%s#%d", e.Trail, e.Sequence)
		if _, dup := out[key]; dup {
			t.Errorf("store holds %s twice", key)
		}
		out[key] = e.EntryHash
	}
	return out
}

func run(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	out, code, err := runCmd(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out, code
}

// runCmd runs a command and returns its combined output and exit status.
func runCmd(bin string, args ...string) (string, int, error) {
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode(), nil
	}
	return out.String(), 0, err
}

// TestConcurrentWritersAndReaders runs 8 writer processes, each recording
// 500 entries one lock and one flush at a time into 4 shared chained
// trails, while readers run verify and query over the same store.
func TestConcurrentWritersAndReaders(t *testing.T) {
	const writers, each = 8, 500
	bin := auditgatePath(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "audit.jsonl")
	config := filepath.Join(dir, "auditgate.yaml")
	os.WriteFile(config, []byte("defaults:\n  integrity: chain\n"), 0o644)
	trails := []string{"app:gate@a", "app:gate@b", "app:gate@c", "app:gate@d"}
	base := []string{"--config", config, "--store", store}

	acks := make([][]batchAck, writers)
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			cmd := exec.Command(bin, append(base, "record", "--batch", "--group-size", "1")...)
			cmd.Stdin = bytes.NewReader(batchRequests(each, w*each, trails))
			out, err := cmd.Output()
			if err != nil {
				errs <- fmt.Errorf("writer %d: %v", w, err)
				return
			}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				var a batchAck
				if err := json.Unmarshal([]byte(line), &a); err != nil {
					errs <- fmt.Errorf("writer %d: decision %q: %v", w, line, err)
					return
				}
				acks[w] = append(acks[w], a)
			}
		}(w)
	}

	done := make(chan struct{})
	readerDone := make(chan struct{})
	rounds := 0
	go func() {
		defer close(readerDone)
		for {
			select {
			case <-done:
				return
			default:
			}
			// The store may not exist for the very first rounds.
			if _, err := os.Stat(store); err != nil {
				continue
			}
			if out, code, err := runCmd(bin, append(base, "verify")...); err != nil || code != 0 {
				errs <- fmt.Errorf("verify during writes: exit %d, %v\n%s", code, err, out)
				return
			}
			out, code, err := runCmd(bin, append(base, "query", "--count", "--trail", "app:*")...)
			if err != nil || code != 0 {
				errs <- fmt.Errorf("query during writes: exit %d, %v\n%s", code, err, out)
				return
			}
			rounds++
		}
	}()
	wg.Wait()
	close(done)
	<-readerDone
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if rounds == 0 {
		t.Error("the readers finished no round while the writers ran")
	}

	if out, code := run(t, bin, append(base, "verify")...); code != 0 {
		t.Fatalf("verify after writes: exit %d\n%s", code, out)
	}
	stored := storeEntries(t, store)
	if len(stored) != writers*each {
		t.Errorf("store holds %d entries, want %d", len(stored), writers*each)
	}
	perTrail := map[string]int{}
	for _, list := range acks {
		if len(list) != each {
			t.Errorf("a writer acknowledged %d entries, want %d", len(list), each)
		}
		for _, a := range list {
			key := fmt.Sprintf("%s#%d", a.Trail, a.Sequence)
			if a.Status != "RECORDED" || stored[key] != a.EntryHash {
				t.Errorf("acknowledged %s (%s, %s) is not in the store as acknowledged",
					key, a.Status, a.EntryHash)
			}
			perTrail[a.Trail]++
		}
	}
	for trail, n := range perTrail {
		for seq := 0; seq < n; seq++ {
			if _, ok := stored[fmt.Sprintf("%s#%d", trail, seq)]; !ok {
				t.Errorf("trail %s lacks sequence %d of 0..%d", trail, seq, n-1)
			}
		}
	}
}

// TestKilledBatchWriterLosesNothing kills a batch writer with SIGKILL at a
// random moment, 30 times in a row on one store. After each kill every
// entry whose decision was printed is in the store, the next record
// succeeds, and the store verifies.
func TestKilledBatchWriterLosesNothing(t *testing.T) {
	bin := auditgatePath(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "audit.jsonl")
	config := filepath.Join(dir, "auditgate.yaml")
	os.WriteFile(config, []byte("defaults:\n  integrity: chain\n"), 0o644)
	base := []string{"--config", config, "--store", store}
	trails := []string{"crash:batch@a", "crash:batch@b", "crash:batch@c"}
	rng := rand.New(rand.NewSource(int64(os.Getpid())))

	for round := 0; round < 30; round++ {
		cmd := exec.Command(bin, append(base, "record", "--batch", "--group-size", "64")...)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			// Feed requests until the writer dies and the pipe breaks.
			for i := 0; ; i += 500 {
				if _, err := stdin.Write(batchRequests(500, i, trails)); err != nil {
					return
				}
			}
		}()
		killAfter := 1 + rng.Intn(3000)
		var acked []batchAck
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var a batchAck
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatalf("round %d: decision %q: %v", round, sc.Text(), err)
			}
			acked = append(acked, a)
			if len(acked) == killAfter {
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()

		stored := storeEntries(t, store)
		for _, a := range acked {
			key := fmt.Sprintf("%s#%d", a.Trail, a.Sequence)
			if a.Status != "RECORDED" || stored[key] != a.EntryHash {
				t.Fatalf("round %d: acknowledged %s (%s) is missing after the kill", round, key,
					a.Status)
			}
		}
		if out, code := run(t, bin, append(base, "record", "--trail", trails[round%3],
			"--verdict", "allow")...); code != 0 {
			t.Fatalf("round %d: record after the kill: exit %d\n%s", round, code, out)
		}
		if out, code := run(t, bin, append(base, "verify")...); code != 0 {
			t.Fatalf("round %d: verify after the kill: exit %d\n%s", round, code, out)
		}
	}
}

// TestFailedWriteLeavesNoPartialLine fills the file size limit in the
// middle of a group's write: nothing of the group stays in the store, the
// policy decides the exit status, and the store still verifies.
func TestFailedWriteLeavesNoPartialLine(t *testing.T) {
	bin := auditgatePath(t)
	tests := []struct {
		policy   string
		wantCode int
		wantErr  string
	}{
		{"mode: hard\n  on_store_error: fail_closed", 1, "file too large"},
		{"mode: soft\n  on_store_error: fail_closed", 3, "DROPPED"},
		{"mode: hard\n  on_store_error: fail_open", 0, "NOT RECORDED"},
		{"mode: soft\n  on_store_error: fail_open", 0, "warning"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(strings.ReplaceAll(tt.policy, "\n  ", ","), ": ", "="),
			func(t *testing.T) {
				dir := t.TempDir()
				store := filepath.Join(dir, "audit.jsonl")
				config := filepath.Join(dir, "auditgate.yaml")
				os.WriteFile(config, []byte("defaults:\n  integrity: chain\n  "+tt.policy+"\n"), 0o644)
				base := []string{"--config", config, "--store", store}
				for i := 0; i < 3; i++ {
					if out, code := run(t, bin, append(base, "record", "--trail", "a:b@c",
						"--verdict", "allow")...); code != 0 {
						t.Fatalf("record: exit %d\n%s", code, out)
					}
				}
				before, _ := os.ReadFile(store)

				// A limit just past the store's end: the next line fits only in part.
				cmd := exec.Command(bin, append(base, "record", "--trail", "a:b@c",
					"--verdict", "block", "--reason", strings.Repeat("x", 300))...)
				cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", fileSizeLimitEnv, len(before)+100))
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				err := cmd.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
				if code != tt.wantCode || !strings.Contains(out.String(), tt.wantErr) {
					t.Errorf("record past the size limit: exit %d, output %q; want exit %d and %q",
						code, out.String(), tt.wantCode, tt.wantErr)
				}
				after, _ := os.ReadFile(store)
				if !bytes.Equal(before, after) {
					t.Errorf("store changed by a failed write:\nbefore %q\nafter  %q", before, after)
				}
				if out, code := run(t, bin, append(base, "verify")...); code != 0 {
					t.Errorf("verify after a failed write: exit %d\n%s", code, out)
				}
			})
	}
}

// TestBatchSignalFinishesGroup sends SIGTERM and SIGINT to a batch writer
// waiting for input: it reports what it recorded and exits 143 or 130, and
// every printed decision is in the store.
func TestBatchSignalFinishesGroup(t *testing.T) {
	bin := auditgatePath(t)
	for sig, want := range map[syscall.Signal]int{syscall.SIGTERM: 143, syscall.SIGINT: 130} {
		dir := t.TempDir()
		store := filepath.Join(dir, "audit.jsonl")
		cmd := exec.Command(bin, "--store", store, "record", "--batch")
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stdin.Write(batchRequests(10, 0, []string{"sig:batch@a"}))
		sc := bufio.NewScanner(stdout)
		var acked []batchAck
		for len(acked) < 10 && sc.Scan() {
			var a batchAck
			json.Unmarshal(sc.Bytes(), &a)
			acked = append(acked, a)
		}
		cmd.Process.Signal(sig)
		io.Copy(io.Discard, stdout)
		err := cmd.Wait()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != want {
			t.Errorf("%v: batch ended with %v, want exit status %d", sig, err, want)
		}
		stored := storeEntries(t, store)
		if len(acked) != 10 || len(stored) != 10 {
			t.Errorf("%v: %d decisions, %d stored entries, want 10 and 10", sig, len(acked), len(stored))
		}
		for _, a := range acked {
			if stored[fmt.Sprintf("%s#%d", a.Trail, a.Sequence)] != a.EntryHash {
				t.Errorf("%v: acknowledged %s#%d is not stored", sig, a.Trail, a.Sequence)
			}
		}
		stdin.Close()
	}
}

// TestBatchSignalDuringLastGroup: a SIGTERM that comes while the last
// group, the input already ended, waits for the store's lock still makes
// the batch exit 143, once that group is recorded and reported.
func TestBatchSignalDuringLastGroup(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "audit.jsonl")
	if err := os.WriteFile(store, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	holder, err := os.Open(store)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if err := syscall.Flock(int(holder.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	signals := make(chan os.Signal, 1)
	ctx := &waitctx.Context{Context: context.WithValue(context.Background(), stopSignalsKey{},
		signals), Hook: func() {
		signals <- syscall.SIGTERM
		syscall.Flock(int(holder.Fd()), syscall.LOCK_UN)
	}}
	var out, errOut bytes.Buffer
	code := Main(ctx, []string{"--store", store, "record", "--batch"}, Streams{
		In: strings.NewReader(`{"trail":"a:b@c","verdict":"allow"}` + "\n"), Out: &out,
		ErrOut: &errOut})
	if !ctx.Ran {
		t.Fatal("the batch never found the lock held; the test did not reach the wait")
	}
	if code != 143 || !strings.Contains(out.String(), `"status":"RECORDED"`) {
		t.Errorf("exit %d, output %q, stderr %q; want 143 and the request RECORDED", code,
			out.String(), errOut.String())
	}
	if stored := storeEntries(t, store); len(stored) != 1 {
		t.Errorf("%d entries stored, want 1", len(stored))
	}
}

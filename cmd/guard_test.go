package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/store"
	"golang.org/x/sys/unix"
)

// signalChild stands in for a guarded command in the signal tests (see
// TestMain): it catches SIGINT, SIGTERM and SIGHUP, prints "ready", and waits for
// one. With the argument "die" it then dies of that signal; otherwise it
// prints "caught SIGNAME" and exits 42.
func signalChild() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	fmt.Println("ready")
	s := (<-sigs).(syscall.Signal)
	if len(os.Args) > 1 && os.Args[1] == "die" {
		signal.Reset()
		_ = syscall.Kill(os.Getpid(), s)
		time.Sleep(time.Minute) // parked until the signal ends the process
		os.Exit(99)
	}
	fmt.Println("caught", unix.SignalName(s))
	os.Exit(42)
}

// startGuard starts auditgate guard on the signal child in a process group
// of its own, so that it is nobody's terminal foreground and passes every
// signal on, and returns once the child says it is ready.
func startGuard(t *testing.T, storePath string, childArgs ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	args := append([]string{"guard", "--store", storePath, "-t", "jobs:nightly@ci",
		"--verdict", "allow", "--record-result", "--", "guard-signal-child"}, childArgs...)
	cmd := exec.Command(auditgatePath(t), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Killing the group ends a test whose signal went nowhere with a
	// failure rather than a hang, and leaves no process behind.
	killGroup := func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	watchdog := time.AfterFunc(time.Minute, killGroup)
	t.Cleanup(func() { watchdog.Stop(); killGroup(); _ = cmd.Wait() })
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("guarded command's first line = %q, %v; want ready", line, err)
	}
	return cmd, out
}

// resultEntries reads a store's entries and checks that it verifies.
func resultEntries(t *testing.T, path string) []map[string]any {
	t.Helper()
	report, _, err := store.Verify(store.NewFile(path), core.VerifyOptions{})
	if err != nil || !report.Valid() {
		t.Fatalf("Verify(%s) = %+v, %v; want a valid log", path, report.Problems, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var entries []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	return entries
}

// TestGuardForwardsSignals sends a signal to guard alone and checks that
// the command got it, that guard exits with the command's status, and that
// the result entry says how the command ended.
func TestGuardForwardsSignals(t *testing.T) {
	tests := []struct {
		name       string
		sig        syscall.Signal
		childArgs  []string
		wantOut    string
		wantStatus int
		wantSignal any // the result entry's detail.signal; nil when absent
	}{
		{"SIGTERM caught", syscall.SIGTERM, nil, "caught SIGTERM\n", 42, nil},
		{"SIGINT caught", syscall.SIGINT, nil, "caught SIGINT\n", 42, nil},
		{"SIGTERM kills", syscall.SIGTERM, []string{"die"}, "", 143, "SIGTERM"},
		{"SIGHUP caught", syscall.SIGHUP, nil, "caught SIGHUP\n", 42, nil},
		{"SIGHUP kills", syscall.SIGHUP, []string{"die"}, "", 129, "SIGHUP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			cmd, out := startGuard(t, path, tt.childArgs...)
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			rest, err := io.ReadAll(out)
			if err != nil || string(rest) != tt.wantOut {
				t.Errorf("command's output after the signal = %q, %v; want %q", rest, err, tt.wantOut)
			}
			_ = cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != tt.wantStatus {
				t.Errorf("guard exit status = %d, want %d", code, tt.wantStatus)
			}

			entries := resultEntries(t, path)
			if len(entries) != 2 {
				t.Fatalf("store holds %d entries, want the decision and the result", len(entries))
			}
			detail, _ := entries[1]["detail"].(map[string]any)
			if entries[1]["verdict"] != "ERROR" || detail["exit_status"] != float64(tt.wantStatus) ||
				detail["signal"] != tt.wantSignal || detail["decision_sequence"] != float64(0) ||
				detail["decision_entry_hash"] != entries[0]["entry_hash"] {
				t.Errorf("result entry = %v, want ERROR with exit_status %d, signal %v, "+
					"linked to entry #0", entries[1], tt.wantStatus, tt.wantSignal)
			}
		})
	}
}

// TestGuardSignalBeforeStart holds the store's lock so that guard waits to
// record, sends it SIGTERM meanwhile, and checks that once the entry is
// recorded the command is not started and the result says so.
func TestGuardSignalBeforeStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	marker := filepath.Join(dir, "ran")
	lock, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(auditgatePath(t), "guard", "--store", path, "-t", "jobs:nightly@ci",
		"--verdict", "allow", "--record-result", "--", "touch", marker)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitForLockWaiter(t, cmd.Process.Pid)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	if code := cmd.ProcessState.ExitCode(); code != 143 {
		t.Errorf("guard exit status = %d, want 143; stderr:\n%s", code, stderr.String())
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("the command ran (stat %s: %v), want it never started", marker, err)
	}
	entries := resultEntries(t, path)
	if len(entries) != 2 {
		t.Fatalf("store holds %d entries, want the decision and the result", len(entries))
	}
	detail, _ := entries[1]["detail"].(map[string]any)
	if entries[1]["verdict"] != "ERROR" || detail["exit_status"] != float64(143) ||
		detail["error"] != "not started: guard received SIGTERM" {
		t.Errorf("result entry = %v, want ERROR, exit_status 143, not started", entries[1])
	}
}

// waitForLockWaiter returns once process pid waits for a flock, as
// /proc/locks shows it ("->" marks a blocked request).
func waitForLockWaiter(t *testing.T, pid int) {
	t.Helper()
	want := " " + strconv.Itoa(pid) + " "
	for {
		data, err := os.ReadFile("/proc/locks")
		if err != nil {
			t.Fatalf("read /proc/locks: %v", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, "->") && strings.Contains(line, want) {
				return
			}
		}
		// An ended child that is not waited for stays a zombie, state Z.
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		if fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); len(fields) > 0 && fields[0] == "Z" {
			t.Fatalf("guard ended before it waited for the store's lock")
		}
	}
}

// TestGuardCompletion: guard completes its record flags as record does and
// offers no -o format, since it refuses -o.
func TestGuardCompletion(t *testing.T) {
	dir := t.TempDir()
	storePath := filepath.Join(dir, "audit.jsonl")
	runAG(t, dir, "record", "--store", storePath, "-t", "api:ratelimit@global", "--verdict", "allow")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"guard", "-o", ""}, ""},
		{[]string{"guard", "--store", storePath, "-t", "api"}, "api:ratelimit@global\n"},
		{[]string{"guard", "--verdict", ""}, "ALLOW\nBLOCK\nERROR\nOVERRIDE\n"},
	}
	for _, tt := range tests {
		var out, errOut strings.Builder
		args := append([]string{"__complete"}, tt.args...)
		if code := Main(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out,
			ErrOut: &errOut}); code != 0 {
			t.Fatalf("Main(%q) = %d, stderr %s", args, code, errOut.String())
		}
		got := out.String()[:strings.LastIndex("\n"+out.String(), "\n:")]
		if got != tt.want {
			t.Errorf("complete %q = %q, want %q", tt.args, got, tt.want)
		}
	}
}

//go:build linux

package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/mattn/go-runewidth"
)

// These tests put query's stdout on a pseudo-terminal. testscript's ttyin
// can attach one, but it closes the terminal's controlling side before
// reading all that was written to it, so under load its ttyout loses the
// end of the output; here the controlling side is read until the terminal
// is closed by every process that had it.

// openTerminal opens a new pseudo-terminal of the given width and returns
// its controlling side and the terminal a process writes to.
func openTerminal(t *testing.T, cols int) (ctrl, tty *os.File) {
	t.Helper()
	ctrl, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ctrl.Close() })
	var n uint32
	unlock := int32(0)
	if err := ioctl(ctrl, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatalf("unlock the pseudo-terminal: %v", err)
	}
	if err := ioctl(ctrl, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatalf("name the pseudo-terminal: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	size := struct{ rows, cols, x, y uint16 }{rows: 40, cols: uint16(cols)}
	if err := ioctl(tty, syscall.TIOCSWINSZ, unsafe.Pointer(&size)); err != nil {
		t.Fatalf("set the terminal's size: %v", err)
	}
	return ctrl, tty
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// onTerminal runs auditgate in dir with stdout on a terminal cols wide and
// returns what it wrote there, with the terminal's \r\n turned back into
// \n, and its stderr.
func onTerminal(t *testing.T, dir string, cols int, env []string, args ...string) (string, string) {
	t.Helper()
	ctrl, tty := openTerminal(t, cols)
	c := exec.Command("auditgate", args...)
	c.Dir, c.Env = dir, append(agEnv(), env...)
	var stderr bytes.Buffer
	c.Stdout, c.Stderr = tty, &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close() // the process holds the only other copy

	// Reading the controlling side ends with EIO once every copy of the
	// terminal is closed and all written to it has been read.
	out := make(chan []byte, 1)
	go func() {
		var buf bytes.Buffer
		_, err := io.Copy(&buf, ctrl)
		if err != nil && !errors.Is(err, syscall.EIO) {
			fmt.Fprintf(&buf, "\n[read error: %v]", err)
		}
		out <- buf.Bytes()
	}()
	if err := c.Wait(); err != nil {
		t.Fatalf("auditgate %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
	}
	select {
	case b := <-out:
		return strings.ReplaceAll(string(b), "\r\n", "\n"), stderr.String()
	case <-time.After(followWait):
		t.Fatal("the terminal was not closed after auditgate ended")
		return "", ""
	}
}

// terminalStore records entries with every verdict, and a long reason.
func terminalStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, r := range []struct{ trail, verdict, reason string }{
		{"billing:refund@user:42", "allow", "within budget"},
		{"billing:refund@user:42", "block", "over budget: the daily refund limit of 100 EUR is spent"},
		{"ratelimit:api@global", "error", "backend down"},
		{"pii:scan@user:42", "override", "manuelle Überprüfung"},
	} {
		runAG(t, dir, "record", "-t", r.trail, "--verdict", r.verdict, "--reason", r.reason)
	}
	return dir
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestTerminalGetsColouredTable: with stdout on a terminal and no -o,
// query prints the table with its headers and coloured verdicts.
func TestTerminalGetsColouredTable(t *testing.T) {
	dir := terminalStore(t)
	out, stderr := onTerminal(t, dir, 200, nil, "query")
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d lines, want a header and 4 rows:\n%s", len(lines), out)
	}
	if !regexp.MustCompile(`^SEQ +TIME +TRAIL +VERDICT +SEVERITY +GATE +REASON *$`).
		MatchString(lines[0]) {
		t.Errorf("header = %q", lines[0])
	}
	for i, colored := range []string{"\x1b[32mALLOW\x1b[0m", "\x1b[31mBLOCK\x1b[0m",
		"\x1b[33mERROR\x1b[0m", "\x1b[36mOVERRIDE\x1b[0m"} {
		if !strings.Contains(lines[i+1], colored) {
			t.Errorf("row %d = %q, want %q", i+1, lines[i+1], colored)
		}
	}
	if strings.Contains(out, `"schema_version"`) {
		t.Errorf("a terminal got JSON:\n%s", out)
	}
	plain := ansiEscape.ReplaceAllString(lines[4], "")
	if !regexp.MustCompile(`^0 +\S+ +pii:scan@user:42 +OVERRIDE +INFO +scan +manuelle Überprüfung *$`).
		MatchString(plain) {
		t.Errorf("row 4 without colour = %q", plain)
	}
}

// TestTerminalNoColor: NO_COLOR set and not empty turns colour off; set
// and empty, it does not.
func TestTerminalNoColor(t *testing.T) {
	dir := terminalStore(t)
	out, _ := onTerminal(t, dir, 200, []string{"NO_COLOR=1"}, "query")
	if strings.Contains(out, "\x1b") {
		t.Errorf("NO_COLOR=1: output holds escape codes:\n%q", out)
	}
	if !strings.HasPrefix(out, "SEQ ") || !strings.Contains(out, " BLOCK ") {
		t.Errorf("NO_COLOR=1: want the table, got:\n%s", out)
	}
	out, _ = onTerminal(t, dir, 200, []string{"NO_COLOR="}, "query")
	if !strings.Contains(out, "\x1b[31mBLOCK\x1b[0m") {
		t.Errorf("NO_COLOR empty: want colours, got:\n%q", out)
	}
}

// TestTerminalWidth: the table is cut to the terminal's width, not
// wrapped, whatever $COLUMNS says.
func TestTerminalWidth(t *testing.T) {
	dir := terminalStore(t)
	for _, cols := range []int{80, 100} {
		out, _ := onTerminal(t, dir, cols, []string{"NO_COLOR=1", "COLUMNS=300"}, "query")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 5 {
			t.Fatalf("%d columns: got %d lines, want 5:\n%s", cols, len(lines), out)
		}
		for _, line := range lines {
			if w := runewidth.StringWidth(line); w > cols {
				t.Errorf("%d columns: line is %d wide: %q", cols, w, line)
			}
		}
		if !regexp.MustCompile(` over bu[a-z :]*…`).MatchString(lines[2]) {
			t.Errorf("%d columns: row 2 = %q, want the reason cut with …", cols, lines[2])
		}
	}
}

// TestTerminalKeepsAskedFormat: -o jsonl on a terminal is JSON lines.
func TestTerminalKeepsAskedFormat(t *testing.T) {
	dir := terminalStore(t)
	out, _ := onTerminal(t, dir, 200, nil, "query", "-o", "jsonl")
	stored, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(stored) {
		t.Errorf("-o jsonl on a terminal = %q, want the stored lines %q", out, stored)
	}
}

// TestPipeGetsJSONLines: the same query in a pipe prints the stored lines.
func TestPipeGetsJSONLines(t *testing.T) {
	dir := terminalStore(t)
	stored, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if out := runAG(t, dir, "query"); out != string(stored) {
		t.Errorf("query in a pipe = %q, want the stored lines %q", out, stored)
	}
}

// TestTerminalNoMatch: no match prints nothing, with a note on stderr for
// the person at the terminal; in a pipe there is no note.
func TestTerminalNoMatch(t *testing.T) {
	dir := terminalStore(t)
	out, stderr := onTerminal(t, dir, 200, nil, "query", "--trail", "nothing:here@all")
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
	if stderr != "auditgate: no entries match\n" {
		t.Errorf("stderr = %q, want the note", stderr)
	}
	c := exec.Command("auditgate", "query", "--trail", "nothing:here@all")
	c.Dir, c.Env = dir, agEnv()
	if out, err := c.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("in a pipe: %q, %v; want no output and exit status 0", out, err)
	}
}

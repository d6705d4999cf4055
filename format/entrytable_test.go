package format

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/auditgate/auditgate/core"
	"github.com/mattn/go-runewidth"
)

func tableEntry(t *testing.T, reason, detail string) *core.Entry {
	t.Helper()
	var p core.Parser
	e, err := p.ParseEntry([]byte(`{"schema_version":"0.1.1","trail":"billing:refund@user:42",` +
		`"ts":1.5,"wall_ts":"2026-12-01T10:00:00.000000+00:00","verdict":"BLOCK",` +
		`"severity":"WARN","gate_type":"budgetgate","gate_identity":"budget-v2",` +
		`"recorded_by":"svc@host","reason":` + string(core.AppendString(nil, reason)) +
		`,"detail":` + detail + `,"entry_hash":null,"prev_hash":null,"sequence":3}`))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func renderTable(t *testing.T, opts TableOptions, entries ...*core.Entry) []string {
	t.Helper()
	var out bytes.Buffer
	w := NewEntryTable(&out, opts)
	for _, e := range entries {
		if err := w.Write(nil, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

// columnWidth returns the width of the column whose header is name: the
// distance from its header to the next one.
func columnWidth(header, name string) int {
	start := strings.Index(header, name)
	rest := strings.TrimLeft(header[start+len(name):], " ")
	if rest == "" {
		return len(strings.TrimRight(header[start:], " "))
	}
	return strings.Index(header[start:], rest)
}

// TestTableFitSharesWidth checks that cutting a wide table to the terminal
// narrows the longest columns toward each other, not one of them to nothing.
func TestTableFitSharesWidth(t *testing.T) {
	e := tableEntry(t, strings.Repeat("over budget ", 8),
		`{"amount":129.5,"note":"`+strings.Repeat("x", 120)+`"}`)
	for _, width := range []int{100, 140, 200} {
		lines := renderTable(t, TableOptions{Width: width, Wide: true}, e)
		if len(lines) != 2 {
			t.Fatalf("width %d: got %d lines, want a header and one row:\n%s", width, len(lines),
				strings.Join(lines, "\n"))
		}
		for _, line := range lines {
			if w := runewidth.StringWidth(line); w > width {
				t.Errorf("width %d: line is %d columns wide: %q", width, w, line)
			}
		}
		reason, detail := columnWidth(lines[0], "REASON"), columnWidth(lines[0], "DETAIL")
		if d := reason - detail; d > 1 || d < -1 {
			t.Errorf("width %d: REASON is %d wide and DETAIL %d, want them within one column",
				width, reason, detail)
		}
		if !strings.Contains(lines[1], "…") {
			t.Errorf("width %d: row %q has no cut cell", width, lines[1])
		}
	}
}

// TestTableOneLinePerEntry checks that newlines, tabs and control
// characters in a reason are shown as escapes and wide characters are
// counted by their display width, so every row is one line and the
// columns after the reason line up.
func TestTableOneLinePerEntry(t *testing.T) {
	entries := []*core.Entry{
		tableEntry(t, "line one\nline two\ttab\x1b[31m", `{"k":"日本語のテキスト"}`),
		tableEntry(t, "全角の理由", `{"k":"v"}`),
		tableEntry(t, "plain", `{}`),
	}
	lines := renderTable(t, TableOptions{Width: 200, Wide: true}, entries...)
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want a header and three rows:\n%s", len(lines),
			strings.Join(lines, "\n"))
	}
	if !strings.Contains(lines[1], `line one\nline two\ttab\u001b[31m`) {
		t.Errorf("row 1 = %q, want the reason with escapes", lines[1])
	}
	if strings.ContainsRune(lines[1], 0x1b) {
		t.Errorf("row 1 = %q holds a raw escape character", lines[1])
	}
	detailAt := runewidth.StringWidth(lines[0][:strings.Index(lines[0], "DETAIL")])
	for i, line := range lines[1:] {
		at := strings.Index(line, "{")
		if got := runewidth.StringWidth(line[:at]); got != detailAt {
			t.Errorf("row %d: DETAIL starts at column %d, want %d: %q", i+1, got, detailAt, line)
		}
	}
}

func TestTableColor(t *testing.T) {
	e := tableEntry(t, "r", `{}`)
	plain := renderTable(t, TableOptions{Width: 120}, e)
	colored := renderTable(t, TableOptions{Width: 120, Color: true}, e)
	if strings.Contains(plain[1], "\x1b[") {
		t.Errorf("without Color: row %q holds an escape", plain[1])
	}
	if !strings.Contains(colored[1], "\x1b[31mBLOCK\x1b[0m") {
		t.Errorf("with Color: row %q, want BLOCK in red", colored[1])
	}
	if strings.Contains(colored[0], "\x1b[") {
		t.Errorf("with Color: header %q holds an escape", colored[0])
	}
}

// TestTableFollowLeavesRoom checks that a followed table, whose columns are
// fixed by its first rows, leaves room for longer trails and gates to come
// when the terminal has it.
func TestTableFollowLeavesRoom(t *testing.T) {
	var p core.Parser
	short := tableEntry(t, "r", `{}`)
	long, err := p.ParseEntry([]byte(`{"schema_version":"0.1.1","trail":"ratelimit:api@user:1234",` +
		`"ts":1.5,"wall_ts":"2026-12-01T10:00:00.000000+00:00","verdict":"ERROR",` +
		`"severity":"ERROR","gate_type":"actiongate","gate_identity":"g","recorded_by":"r",` +
		`"reason":"limiter down","detail":{},"entry_hash":null,"prev_hash":null,"sequence":0}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, follow := range []bool{false, true} {
		var out bytes.Buffer
		w := NewEntryTable(&out, TableOptions{Width: 120, Follow: follow})
		if err := w.Write(nil, short); err != nil {
			t.Fatal(err)
		}
		if err := w.(interface{ Flush() error }).Flush(); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(nil, long); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		whole := regexp.MustCompile(`ratelimit:api@user:1234 +ERROR +ERROR +actiongate +limiter down`).
			MatchString(out.String())
		if whole != follow {
			t.Errorf("Follow %v: later row whole = %v, want %v:\n%s", follow, whole, follow, &out)
		}
	}
}

// TestTableFitsNarrowTerminals: however narrow the terminal, as long as
// SEQ and VERDICT fit, every line fits it, with --wide too, and a cut cell
// or header ends with "…".
func TestTableFitsNarrowTerminals(t *testing.T) {
	e := tableEntry(t, strings.Repeat("over budget ", 8), `{"amount":129.5}`)
	for _, wide := range []bool{false, true} {
		widths := []int{80, 60, 40, 30} // 30: SEQ, VERDICT and a column for each other
		if wide {
			widths = widths[:3] // two more columns
		}
		for _, width := range widths {
			lines := renderTable(t, TableOptions{Width: width, Wide: wide}, e)
			for _, line := range lines {
				if w := runewidth.StringWidth(line); w > width {
					t.Errorf("wide %t, width %d: line is %d columns wide: %q", wide, width, w, line)
				}
			}
			if !strings.Contains(lines[1], "…") {
				t.Errorf("wide %t, width %d: row %q has no cut cell", wide, width, lines[1])
			}
			for _, h := range strings.Fields(lines[0]) {
				if !slices.Contains([]string{"SEQ", "TIME", "TRAIL", "VERDICT", "SEVERITY", "GATE",
					"REASON", "DETAIL", "HASH"}, h) && !strings.HasSuffix(h, "…") {
					t.Errorf("wide %t, width %d: header %q is cut without …", wide, width, h)
				}
			}
		}
	}
}

// TestTableCutsEmojiWithMarker: a reason of emoji sequences is cut by the
// same measure the table uses, so the cut shows its "…" and nothing is
// dropped without it.
func TestTableCutsEmojiWithMarker(t *testing.T) {
	reason := "emoji 😀👍🏽 family 👨‍👩‍👧 ok " + strings.Repeat("y", 100)
	for _, width := range []int{80, 120} {
		lines := renderTable(t, TableOptions{Width: width}, tableEntry(t, reason, `{}`))
		row := strings.TrimRight(lines[1], " ")
		if !strings.HasSuffix(row, "…") {
			t.Errorf("width %d: the cut reason does not end with …: %q", width, row)
		}
		at := strings.Index(row, "emoji")
		if at < 0 {
			t.Fatalf("width %d: row %q lost the reason's start", width, row)
		}
		shown := strings.TrimSuffix(row[at:], "…")
		if !strings.HasPrefix(cellText(reason), shown) { // the joiners shown as escapes
			t.Errorf("width %d: shown %q is not the start of the reason", width, shown)
		}
	}
}

package cmd

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditgate/auditgate/format"
)

// exportStore records entries whose text fields hold commas, quotes,
// newlines, carriage returns, tabs and non-ASCII (also beyond U+FFFF), a
// null and an empty reason, and details of every JSON type, in a chained,
// a hashed and an unhashed trail. It returns the directory and the store's
// lines.
func exportStore(t *testing.T) (string, [][]byte) {
	t.Helper()
	dir := t.TempDir()
	awkward := "over budget, \"hard\" cap\nsecond line\r\twith tab: é 日本 😀"
	records := [][]string{
		{"-t", "billing:refund@user:42", "--verdict", "block", "--severity", "warn",
			"--reason", awkward, "--detail",
			`{"note":"a, \"b\"\nc","name":"Zoë 😀","amount":129.5,"big":12345678901234567890,` +
				`"ok":true,"none":null,"list":[1,"x",{"y":[]}],"nested":{"k":"v,\"w\""}}`},
		{"-t", "billing:refund@user:42", "--verdict", "allow", "-d", "n:=1"},
		{"-t", "billing:refund@user:42", "--verdict", "override", "--reason", "",
			"-d", "empty=", "-d", `quote="`},
		{"-t", "ratelimit:api@global", "--verdict", "error", "--reason", "a,b"},
		{"-t", "plain:gate@svc,with,commas", "--verdict", "allow", "--reason", "\n"},
	}
	integrity := []string{"chain", "chain", "chain", "hash", "none"}
	for i, args := range records {
		c := exec.Command("auditgate", append([]string{"record"}, args...)...)
		c.Dir = dir
		c.Env = append(agEnv(), "AUDITGATE_DEFAULTS_INTEGRITY="+integrity[i])
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("record %q: %v\n%s", args, err, out)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if len(lines) != len(records) {
		t.Fatalf("store has %d lines, want %d", len(lines), len(records))
	}
	return dir, lines
}

// storedFields reads a stored line as raw JSON values by field name.
func storedFields(t *testing.T, line []byte) map[string]json.RawMessage {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		t.Fatalf("stored line %s: %v", line, err)
	}
	if len(fields) != len(format.CSVHeader) {
		t.Fatalf("stored line has %d fields, want %d: %s", len(fields), len(format.CSVHeader), line)
	}
	return fields
}

// csvCell is what the CSV export must hold for a stored JSON value: a
// string's text, a number's digits as stored, an object's JSON text, and
// nothing for null.
func csvCell(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	switch raw[0] {
	case 'n':
		return ""
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	return string(raw)
}

// TestExportCSVMatchesStore parses the CSV export back with encoding/csv
// and compares every cell with the stored field it comes from.
func TestExportCSVMatchesStore(t *testing.T) {
	dir, lines := exportStore(t)
	out := runAG(t, dir, "export", "--format", "csv")

	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV export does not parse: %v\n%s", err, out)
	}
	if len(rows) != len(lines)+1 {
		t.Fatalf("CSV has %d rows, want a header and %d", len(rows), len(lines))
	}
	if got, want := strings.Join(rows[0], ","), strings.Join(format.CSVHeader, ","); got != want {
		t.Errorf("header = %s, want %s", got, want)
	}
	for i, line := range lines {
		fields := storedFields(t, line)
		row := rows[i+1]
		if len(row) != len(format.CSVHeader) {
			t.Fatalf("row %d has %d cells, want %d", i+1, len(row), len(format.CSVHeader))
		}
		for col, name := range format.CSVHeader {
			if want := csvCell(t, fields[name]); row[col] != want {
				t.Errorf("row %d %s = %q, want %q (stored %s)", i+1, name, row[col], want,
					fields[name])
			}
		}
		// The detail cell is JSON that reads back as the stored detail.
		var cell, stored any
		if err := json.Unmarshal([]byte(row[10]), &cell); err != nil {
			t.Errorf("row %d detail %q is not JSON: %v", i+1, row[10], err)
		}
		json.Unmarshal(fields["detail"], &stored)
		if got, want := mustJSON(t, cell), mustJSON(t, stored); got != want {
			t.Errorf("row %d detail reads as %s, want %s", i+1, got, want)
		}
	}
	// The awkward reason survived whole, newline and all.
	if !strings.Contains(rows[1][9], "\"hard\" cap\nsecond line\r\twith tab: é 日本 😀") {
		t.Errorf("row 1 reason = %q", rows[1][9])
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExportJSONMatchesStore parses the JSON export back with
// encoding/json: an array whose elements are the stored entries byte for
// byte, and that verify accepts.
func TestExportJSONMatchesStore(t *testing.T) {
	dir, lines := exportStore(t)
	out := runAG(t, dir, "export", "--format", "json")

	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(out), &elems); err != nil {
		t.Fatalf("the JSON export does not parse: %v\n%s", err, out)
	}
	if len(elems) != len(lines) {
		t.Fatalf("export holds %d entries, want %d", len(elems), len(lines))
	}
	for i, line := range lines {
		if !bytes.Equal(elems[i], line) {
			t.Errorf("element %d = %s, want the stored line %s", i, elems[i], line)
		}
		stored, exported := storedFields(t, line), storedFields(t, elems[i])
		for _, name := range format.CSVHeader {
			if !bytes.Equal(exported[name], stored[name]) {
				t.Errorf("element %d %s = %s, want %s", i, name, exported[name], stored[name])
			}
		}
	}

	if err := os.WriteFile(filepath.Join(dir, "all.json"), []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	verdict := runAG(t, dir, "verify", "all.json")
	if !strings.HasPrefix(verdict, "all.json: valid (5 entries in 3 trails, array format)\n") {
		t.Errorf("verify all.json = %q, want valid", verdict)
	}
}

// TestExportJSONLinesMatchesStore: jsonl is the store's own bytes.
func TestExportJSONLinesMatchesStore(t *testing.T) {
	dir, lines := exportStore(t)
	out := runAG(t, dir, "export", "--out", "all.jsonl")
	if out != "" {
		t.Errorf("export --out printed %q, want nothing", out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "all.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if want := append(bytes.Join(lines, []byte("\n")), '\n'); !bytes.Equal(got, want) {
		t.Errorf("all.jsonl = %s, want the store %s", got, want)
	}
}

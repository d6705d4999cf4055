package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditgate/auditgate/core"
)

func TestReadLogFormats(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantFormat Format
		wantLocs   []string // Loc of each record, then "partial" or "broken" if so
	}{
		{"json lines", "{\"a\":1}\n{\"a\":2}\n", FormatJSONL, []string{"line 1", "line 2"}},
		{"json lines without final newline", "{\"a\":1}\n{\"a\":2}", FormatJSONL,
			[]string{"line 1", "line 2"}},
		{"partial last line", "{\"a\":1}\n{\"a\":", FormatJSONL, []string{"line 1", "line 2 partial"}},
		{"blank line kept", "{\"a\":1}\n\n{\"a\":2}\n", FormatJSONL,
			[]string{"line 1", "line 2", "line 3"}},
		{"array", "[\n {\"a\": \"]\"},\n {\"b\": [1]}\n]\n", FormatArray,
			[]string{"index 0 (line 2)", "index 1 (line 3)"}},
		{"empty array", " [ ] ", FormatArray, nil},
		{"broken array", "[{\"a\":1} {\"a\":2}]", FormatArray,
			[]string{"index 0 (line 1)", "index 1 (line 1) broken"}},
		{"unclosed array", "[{\"a\":1},", FormatArray,
			[]string{"index 0 (line 1)", "index 1 (line 1) broken"}},
		{"single object over lines", "{\n  \"a\": 1\n}\n", FormatObject, []string{"line 1"}},
		{"empty", " \n", FormatEmpty, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			format, err := ReadLog(strings.NewReader(tt.in), func(rec Record) error {
				s := rec.Loc.String()
				if rec.Partial {
					s += " partial"
				}
				if rec.Broken != nil {
					s += " broken"
				}
				got = append(got, s)
				return nil
			})
			if err != nil {
				t.Fatalf("ReadLog error: %v", err)
			}
			if format != tt.wantFormat || strings.Join(got, ";") != strings.Join(tt.wantLocs, ";") {
				t.Errorf("ReadLog(%q) = %s %v, want %s %v", tt.in, format, got, tt.wantFormat, tt.wantLocs)
			}
		})
	}
}

// TestFileReadLogFinishesALineBeingWritten has a writer finish the last
// line, and append more after it, at the moment the reader first reaches the
// store's end: the reader takes the finished line whole, from its start, and
// stops there.
func TestFileReadLogFinishesALineBeingWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var first strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&first, "{\"n\":%d,\"pad\":%q}\n", i, strings.Repeat("x", 400))
	}
	last := fmt.Sprintf("{\"n\":100,\"pad\":%q}", strings.Repeat("y", 400))
	if err := os.WriteFile(path, []byte(first.String()+last[:50]), 0o644); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	src := &writerAtEOF{r: fh, write: func() {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fmt.Fprint(f, last[50:]+"\n")
		for i := 101; i < 130; i++ {
			fmt.Fprintf(f, "{\"n\":%d,\"pad\":%q}\n", i, strings.Repeat("z", 400))
		}
	}}
	var got []string
	_, err = NewFile(path).readLog(fh, src, func(rec Record) error {
		if rec.Partial {
			t.Errorf("line %d reported partial after its writer finished it", rec.Loc.Line)
		}
		if _, err := core.Canonical(rec.Data); err != nil {
			t.Errorf("line %d is torn: %.60q", rec.Loc.Line, rec.Data)
		}
		got = append(got, string(rec.Data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !src.wrote {
		t.Fatal("the reader never reached the end of the store")
	}
	if len(got) != 101 || got[100] != last {
		t.Errorf("read %d lines, the last %.40q; want 101 ending with the finished line", len(got),
			got[len(got)-1])
	}
}

// writerAtEOF reads r and, the first time r reports its end, runs write
// before passing that end on: a writer that acts just after the reader saw
// a partial last line.
type writerAtEOF struct {
	r     io.Reader
	write func()
	wrote bool
}

func (w *writerAtEOF) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if err == io.EOF && !w.wrote {
		w.wrote = true
		w.write()
	}
	return n, err
}

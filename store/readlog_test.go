package store

import (
	"strings"
	"testing"
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

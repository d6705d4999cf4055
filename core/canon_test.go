package core

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCanonical(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"sorted keys at every depth", `{"b":1,"a":{"d":2,"c":3}}`, `{"a":{"c":3,"d":2},"b":1}`},
		{"code point order, not UTF-16 order", `{"\uffff":1,"\ud83d\ude00":2,"\ue000":3}`,
			`{"\ue000":3,"\uffff":1,"\ud83d\ude00":2}`},
		{"lone surrogate kept", `"\uD800x"`, `"\ud800x"`},
		{"lone low surrogate sorts before private use", `{"\ue000":1,"\udc00":2}`,
			`{"\udc00":2,"\ue000":1}`},
		{"raw astral as surrogate pair", `"😀"`, `"\ud83d\ude00"`},
		{"escapes", `"\/\"\\\b\f\n\r\t\u0001\u007f"`, `"/\"\\\b\f\n\r\t\u0001\u007f"`},
		{"escaped printable decoded", `"\u0041"`, `"A"`},
		{"whitespace dropped", " [ 1 , {\"a\" : true} ,null ] ", `[1,{"a":true},null]`},
		{"big integer exact", `123456789012345678901234567890`, `123456789012345678901234567890`},
		{"negative zero integer", `-0`, `0`},
		{"negative zero float", `-0.0`, `-0.0`},
		{"float one", `1.0`, `1.0`},
		{"exponent upper", `1E2`, `100.0`},
		{"1e15 positional", `1e15`, `1000000000000000.0`},
		{"1e16 scientific", `1e16`, `1e+16`},
		{"1e-4 positional", `0.0001`, `0.0001`},
		{"1e-5 scientific", `0.00001`, `1e-05`},
		{"1.5e-7", `1.5e-7`, `1.5e-07`},
		{"shortest round trip", `0.1000000000000000055511151231257827`, `0.1`},
		{"sum", `0.30000000000000004`, `0.30000000000000004`},
		{"max double", `1.7976931348623157e308`, `1.7976931348623157e+308`},
		{"smallest subnormal", `5e-324`, `5e-324`},
		{"underflow to zero", `1e-400`, `0.0`},
		{"overflow", `1e400`, `Infinity`},
		{"negative overflow", `-1e400`, `-Infinity`},
		{"big fixed", `123456789012345678.0`, `1.2345678901234568e+17`},
		{"negative small", `-2.5e-3`, `-0.0025`},
		{"empty containers", `{"a":[],"o":{}}`, `{"a":[],"o":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical([]byte(tt.in))
			if err != nil {
				t.Fatalf("Canonical(%s) error: %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("Canonical(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalRejects(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"duplicate key", `{"a":1,"a":2}`, "duplicate key"},
		{"duplicate after escape decoding", `{"a":1,"\u0061":2}`, "duplicate key"},
		{"nested duplicate", `{"x":[{"k":1,"k":1}]}`, "duplicate key"},
		{"NaN", `NaN`, "unexpected"},
		{"Infinity literal", `{"a":Infinity}`, "unexpected"},
		{"trailing comma", `[1,]`, "unexpected"},
		{"leading zero", `01`, "after the JSON value"},
		{"raw newline in string", "\"a\nb\"", "raw control character"},
		{"invalid UTF-8", "\"\xff\"", "invalid UTF-8"},
		{"UTF-8 encoded surrogate", "\"\xed\xa0\x80\"", "invalid UTF-8"},
		{"byte order mark", "\ufeff{}", "unexpected"},
		{"bad escape", `"\x"`, "invalid escape"},
		{"short unicode escape", `"\u12"`, "invalid \\u escape"},
		{"unterminated", `{"a":"b`, "unterminated string"},
		{"two values", `{} {}`, "after the JSON value"},
		{"empty", ``, "unexpected end"},
		{"too deep", strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1), "nesting"},
		{"integer too long", strings.Repeat("9", maxIntDigits+1), "longer than"},
		{"bare minus", `-`, "invalid number"},
		{"no fraction digits", `1.`, "no digits after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical([]byte(tt.in))
			if err == nil {
				t.Fatalf("Canonical(%q) = %s, want an error containing %q", tt.in, got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Canonical(%q) error = %q, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestCanonicalFiniteRejectsOverflow(t *testing.T) {
	if _, err := CanonicalFinite([]byte(`{"a":1e400}`)); err == nil ||
		!strings.Contains(err.Error(), "too large for a double") {
		t.Errorf("CanonicalFinite(1e400) error = %v, want too large for a double", err)
	}
	if got, err := CanonicalFinite([]byte(`{"a":1e300}`)); err != nil || string(got) != `{"a":1e+300}` {
		t.Errorf("CanonicalFinite(1e300) = %s, %v, want {\"a\":1e+300}", got, err)
	}
}

// FuzzCanonical checks that the canonical text is its own canonical text,
// is ASCII, and that the reader accepts what encoding/json accepts except
// for the cases it rejects on purpose.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1.5e300,"\ud800",{"b":[]}]`, `"\u00e9😀"`, `-0.0`,
		`{"k":{"k":{"k":null}}}`, `1e400`, `0.1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonical(in)
		if err != nil {
			var dup *DuplicateKeyError
			var syn *SyntaxError
			if !errors.As(err, &dup) && !errors.As(err, &syn) {
				t.Fatalf("Canonical(%q) error of type %T", in, err)
			}
			if json.Valid(in) && utf8.Valid(in) && dup == nil &&
				!strings.Contains(err.Error(), "digits") && !strings.Contains(err.Error(), "nesting") {
				t.Fatalf("Canonical(%q) rejected valid JSON: %v", in, err)
			}
			return
		}
		for _, c := range out {
			if c < 0x20 || c > 0x7e {
				t.Fatalf("Canonical(%q) = %q is not printable ASCII", in, out)
			}
		}
		again, err := Canonical(out)
		if err != nil && !strings.Contains(string(out), "Infinity") {
			t.Fatalf("Canonical(Canonical(%q)) error: %v", in, err)
		}
		if err == nil && string(again) != string(out) {
			t.Fatalf("Canonical is not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

// TestSpecialIn checks the eight-byte test for every byte value in every
// position: it must flag exactly the bytes a string's decoding cannot copy
// as they are.
func TestSpecialIn(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			var b [8]byte
			for i := range b {
				b[i] = 'a'
			}
			b[pos] = byte(c)
			w := uint64(0)
			for i := 7; i >= 0; i-- {
				w = w<<8 | uint64(b[i])
			}
			want := c == '"' || c == '\\' || c < 0x20 || c >= 0x80
			if got := specialIn(w); got != want {
				t.Errorf("specialIn with byte 0x%02x at %d = %v, want %v", c, pos, got, want)
			}
		}
	}
}

// TestAppendStringEveryByte: each byte value, at each place in a word
// that the fast path reads whole, is escaped exactly as one byte alone is.
func TestAppendStringEveryByte(t *testing.T) {
	for c := 0; c < 0x80; c++ {
		alone := string(AppendString(nil, string(rune(c))))
		alone = alone[1 : len(alone)-1]
		for at := 0; at < 16; at++ {
			s := strings.Repeat("a", at) + string(rune(c)) + strings.Repeat("b", 16-at)
			want := `"` + strings.Repeat("a", at) + alone + strings.Repeat("b", 16-at) + `"`
			if got := string(AppendString(nil, s)); got != want {
				t.Fatalf("byte %#x at %d: %s, want %s", c, at, got, want)
			}
		}
	}
}

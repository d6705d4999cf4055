package core

import "testing"

func TestDecodeString(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", `"billing:refund@user:42"`, "billing:refund@user:42", true},
		{"escapes", `"a b\n\"c\u00e9"`, "a b\n\"c\u00e9", true},
		{"lone surrogate", `"\ud800"`, "\xed\xa0\x80", true},
		{"not a string", `42`, "", false},
		{"trailing space", `"a" `, "", false},
		{"two strings", `"a""b"`, "", false},
		{"unterminated", `"a`, "", false},
		{"raw control", "\"a\x01\"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeString([]byte(tt.in))
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("DecodeString(%q) = %q, %v, want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
			if tt.ok && QuoteString(got) != tt.in {
				t.Errorf("QuoteString(%q) = %s, want %s", got, QuoteString(got), tt.in)
			}
		})
	}
}

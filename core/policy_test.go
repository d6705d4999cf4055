package core

import (
	"strings"
	"testing"
	"time"
)

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"billing:*", "billing:refund@user:42", true},
		{"billing:*@user:*", "billing:refund@user:42", true},
		{"billing:*@user:*", "billing:refund@global", false},
		{"*", "a:b@c", true},
		{"a:b@c", "a:b@c", true},
		{"a:b@c", "a:b@cd", false},
		{"a:?@c", "a:b@c", true},
		{"a:?@c", "a:é@c", true},
		{"a:[a-c]@c", "a:b@c", true},
		{"a:[!a-c]@c", "a:b@c", false},
		{`a:\*@c`, "a:*@c", true},
		{`a:\*@c`, "a:b@c", false},
		{"*:*@org/*", "x:y@org/team", true},
		{"*z", "a:b@c", false},
		{"a*b*c", "aXbYbZc", true},
	}
	for _, tt := range tests {
		if got := MatchGlob(tt.pattern, tt.name); got != tt.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestCheckGlob(t *testing.T) {
	for _, bad := range []string{"a[", `a\`, "[z-a]", "x[!"} {
		if err := CheckGlob(bad); err == nil {
			t.Errorf("CheckGlob(%q) = nil, want an error", bad)
		}
	}
	for _, good := range []string{"*", "a:[a-z]*@*", `\[x\]`} {
		if err := CheckGlob(good); err != nil {
			t.Errorf("CheckGlob(%q) = %v, want nil", good, err)
		}
	}
}

func TestParseRetention(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"none", 0, false}, {"", 0, false}, {"30d", 30 * day, false}, {"2w", 14 * day, false},
		{"36h", 36 * time.Hour, false}, {"90m", 90 * time.Minute, false},
		{"0d", 0, true}, {"-1h", 0, true}, {"soon", 0, true}, {"1.5d", 0, true}, {"0s", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseRetention(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseRetention(%q) = %v, %v, want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if err == nil && got != 0 {
			if back, _ := ParseRetention(FormatRetention(got)); back != got {
				t.Errorf("FormatRetention(%v) = %q does not read back", got, FormatRetention(got))
			}
		}
	}
}

func TestPoliciesFirstMatchWins(t *testing.T) {
	ps := NewPolicies()
	ps.Rules = []Rule{
		{Match: "billing:*@user:*", Policy: Policy{Integrity: IntegrityChain}, Origin: "first"},
		{Match: "billing:*", Policy: Policy{Integrity: IntegrityNone}, Origin: "second"},
	}
	for trail, want := range map[string]string{
		"billing:refund@user:1": "first", "billing:refund@global": "second",
		"ops:x@global": "built-in defaults",
	} {
		if _, origin := ps.Resolve(trail); origin != want {
			t.Errorf("Resolve(%q) came from %q, want %q", trail, origin, want)
		}
	}
}

func TestParseEnums(t *testing.T) {
	if v, err := ParseVerdict("override"); err != nil || v != Override {
		t.Errorf("ParseVerdict(override) = %v, %v", v, err)
	}
	if _, err := ParseVerdict("maybe"); err == nil || !strings.Contains(err.Error(), "ALLOW, BLOCK") {
		t.Errorf("ParseVerdict(maybe) error = %v, want the list of verdicts", err)
	}
	if s, err := ParseSeverity("Critical"); err != nil || s != Critical {
		t.Errorf("ParseSeverity(Critical) = %v, %v", s, err)
	}
	if !(Debug < Info && Info < Warn && Warn < SevError && SevError < Critical) {
		t.Error("severities are not ordered")
	}
}

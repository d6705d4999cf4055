package core

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Policy governs one trail: how a failure to record is reported, whether an
// unaudited action may proceed, which entries are kept and how they are
// protected.
type Policy struct {
	Mode         Mode           `json:"mode"`
	OnStoreError StoreErrorMode `json:"on_store_error"`
	MinSeverity  Severity       `json:"-"`
	Retention    time.Duration  `json:"-"` // zero means keep forever
	Integrity    IntegrityMode  `json:"-"`
}

// DefaultPolicy is the built-in policy: hard, fail_closed, keep every
// severity, keep forever, a hash per entry.
func DefaultPolicy() Policy {
	return Policy{Mode: Hard, OnStoreError: FailClosed, MinSeverity: Debug, Integrity: IntegrityHash}
}

// Proceeds reports whether an action may go ahead when its entry could not
// be stored under this policy.
func (p Policy) Proceeds() bool { return p.OnStoreError == FailOpen }

// RetentionString returns the retention as written in a config: "none", or
// a whole number of days or weeks when it is one, or a Go duration.
func (p Policy) RetentionString() string {
	return FormatRetention(p.Retention)
}

// FormatRetention writes a retention duration the way ParseRetention reads it.
func FormatRetention(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d == 0:
		return "none"
	case d%(7*day) == 0:
		return strconv.FormatInt(int64(d/(7*day)), 10) + "w"
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
}

// ParseRetention reads a retention: "none" (or empty), a whole number of days
// or weeks such as 30d or 2w, or a Go duration such as 36h or 90m. It must be
// positive.
func ParseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") {
		return 0, nil
	}
	d, ok := parseAge(s)
	if !ok || d <= 0 {
		return 0, fmt.Errorf("bad retention %q (want none, a number of days or weeks "+
			"such as 30d or 2w, or a duration such as 36h)", s)
	}
	return d, nil
}

// Rule applies a policy to every trail whose name matches a glob.
type Rule struct {
	Match  string // glob over the trail string; see MatchGlob
	Policy Policy
	Origin string // where the rule was written, for example "trails[2]"
}

// Policies resolves the policy of a trail: the first rule whose glob matches
// the trail string wins; a trail that no rule matches gets Defaults.
type Policies struct {
	Defaults       Policy
	DefaultsOrigin string // where the defaults came from, for example "built-in"
	Rules          []Rule
}

// NewPolicies returns the built-in defaults and no rules.
func NewPolicies() *Policies {
	return &Policies{Defaults: DefaultPolicy(), DefaultsOrigin: "built-in defaults"}
}

// Resolve returns the policy for trail and where it came from.
func (ps *Policies) Resolve(trail string) (Policy, string) {
	for _, r := range ps.Rules {
		if MatchGlob(r.Match, trail) {
			return r.Policy, r.Origin
		}
	}
	return ps.Defaults, ps.DefaultsOrigin
}

// MatchGlob reports whether name matches pattern. '*' matches any run of
// characters (':' and '@' included), '?' any one character, [abc], [a-z] and
// [!a-z] a character class, and a backslash makes the next character literal.
// A malformed pattern matches nothing; CheckGlob reports why.
func MatchGlob(pattern, name string) bool {
	ok, err := matchGlob(pattern, name)
	return ok && err == nil
}

// CheckGlob reports whether pattern is well formed.
func CheckGlob(pattern string) error {
	_, err := matchGlob(pattern, "")
	if err != nil {
		return err
	}
	// Walk every class and escape, since matching "" may stop early.
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			if i+1 >= len(pattern) {
				return fmt.Errorf("glob %q ends with a lone backslash", pattern)
			}
			i++
		case '[':
			_, n, err := matchClass(pattern[i:], 'x')
			if err != nil {
				return fmt.Errorf("glob %q: %v", pattern, err)
			}
			i += n - 1
		}
	}
	return nil
}

func matchGlob(p, s string) (bool, error) {
	// Iterative matching with one backtrack point for the last '*'.
	var starP, starS = -1, 0
	pi, si := 0, 0
	for si < len(s) || pi < len(p) {
		if pi < len(p) {
			switch p[pi] {
			case '*':
				starP, starS = pi, si
				pi++
				continue
			case '?':
				if si < len(s) {
					_, size := decodeWTF8(s[si:])
					pi++
					si += size
					continue
				}
			case '[':
				if si < len(s) {
					r, size := decodeWTF8(s[si:])
					ok, n, err := matchClass(p[pi:], r)
					if err != nil {
						return false, err
					}
					if ok {
						pi += n
						si += size
						continue
					}
				}
			case '\\':
				if pi+1 >= len(p) {
					return false, fmt.Errorf("glob %q ends with a lone backslash", p)
				}
				if si < len(s) && s[si] == p[pi+1] {
					pi += 2
					si++
					continue
				}
			default:
				if si < len(s) && s[si] == p[pi] {
					pi++
					si++
					continue
				}
			}
		}
		if starP >= 0 && starS < len(s) {
			_, size := decodeWTF8(s[starS:])
			starS += size
			pi, si = starP+1, starS
			continue
		}
		return false, nil
	}
	return true, nil
}

// matchClass matches r against the class at the start of p and returns the
// class's length in bytes.
func matchClass(p string, r rune) (bool, int, error) {
	i := 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	matched := false
	for first := true; ; first = false {
		if i >= len(p) {
			return false, 0, fmt.Errorf("unterminated character class")
		}
		if p[i] == ']' && !first {
			i++
			break
		}
		lo, size := classChar(p[i:])
		if size == 0 {
			return false, 0, fmt.Errorf("bad escape in character class")
		}
		i += size
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi, size = classChar(p[i+1:])
			if size == 0 {
				return false, 0, fmt.Errorf("bad escape in character class")
			}
			i += 1 + size
			if hi < lo {
				return false, 0, fmt.Errorf("bad range in character class")
			}
		}
		if lo <= r && r <= hi {
			matched = true
		}
	}
	return matched != negate, i, nil
}

func classChar(p string) (rune, int) {
	if p[0] == '\\' {
		if len(p) < 2 {
			return 0, 0
		}
		r, size := decodeWTF8(p[1:])
		return r, size + 1
	}
	return decodeWTF8(p)
}

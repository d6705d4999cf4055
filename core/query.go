package core

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Query selects entries. Every set field must match; an empty Query
// matches every entry. Text fields other than Reason are globs (see
// MatchGlob), so a value without wildcards matches exactly.
type Query struct {
	Trail        string // glob over the whole trail string
	Namespace    string // glob over the trail's namespace
	Source       string // glob over the trail's source
	Principal    string // glob over the trail's principal
	Verdicts     []Verdict
	MinSeverity  Severity
	HasSeverity  bool // whether MinSeverity is set
	GateType     string
	GateIdentity string
	RecordedBy   string
	Since        time.Time // wall_ts at or after; zero means unbounded
	Until        time.Time // wall_ts before; zero means unbounded
	Reason       string    // substring of reason, in any letter case
	Where        []Condition
}

// Match reports whether e is selected. An entry whose wall_ts cannot be
// read matches no time bound.
func (q *Query) Match(e *Entry) bool {
	if q.Trail != "" && !MatchGlob(q.Trail, e.Trail) {
		return false
	}
	if q.Namespace != "" || q.Source != "" || q.Principal != "" {
		t, err := ParseTrail(e.Trail)
		if err != nil || !globOrEmpty(q.Namespace, t.Namespace) ||
			!globOrEmpty(q.Source, t.Source) || !globOrEmpty(q.Principal, t.Principal) {
			return false
		}
	}
	if len(q.Verdicts) > 0 && !containsVerdict(q.Verdicts, e.Verdict) {
		return false
	}
	if q.HasSeverity && e.Severity < q.MinSeverity {
		return false
	}
	if !globOrEmpty(q.GateType, e.GateType) || !globOrEmpty(q.GateIdentity, e.GateIdentity) ||
		!globOrEmpty(q.RecordedBy, e.RecordedBy) {
		return false
	}
	if !q.Since.IsZero() || !q.Until.IsZero() {
		t, err := ParseWallTime(e.WallTS)
		if err != nil || (!q.Since.IsZero() && t.Before(q.Since)) ||
			(!q.Until.IsZero() && !t.Before(q.Until)) {
			return false
		}
	}
	if q.Reason != "" && (e.Reason == nil ||
		!strings.Contains(strings.ToLower(*e.Reason), strings.ToLower(q.Reason))) {
		return false
	}
	for _, c := range q.Where {
		if !c.Match(e.Detail) {
			return false
		}
	}
	return true
}

func globOrEmpty(pattern, s string) bool {
	return pattern == "" || MatchGlob(pattern, s)
}

func containsVerdict(list []Verdict, v Verdict) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Condition compares one detail field with a value.
type Condition struct {
	Path  []string // keys from the top of detail down
	Op    string   // =, !=, <, <=, >, >= or ~ (contains)
	Value string
}

// whereOps are tried longest first, so "<=" is not read as "<".
var whereOps = []string{"!=", "<=", ">=", "=", "<", ">", "~"}

// ParseCondition reads PATH OP VALUE, such as detail.user=alice or
// detail.limits.calls>=5. The detail. prefix is optional; the path's keys are
// separated by dots.
func ParseCondition(s string) (Condition, error) {
	at, op := -1, ""
	for _, candidate := range whereOps {
		if i := strings.Index(s, candidate); i >= 0 && (at < 0 || i < at ||
			(i == at && len(candidate) > len(op))) {
			at, op = i, candidate
		}
	}
	if at <= 0 {
		return Condition{}, fmt.Errorf("where %q: want PATH OP VALUE with OP one of "+
			"= != < <= > >= ~, for example detail.user=alice", s)
	}
	path := strings.TrimPrefix(strings.TrimSpace(s[:at]), "detail.")
	keys := strings.Split(path, ".")
	for _, k := range keys {
		if k == "" {
			return Condition{}, fmt.Errorf("where %q: empty key in path %q", s, s[:at])
		}
	}
	value := strings.TrimSpace(s[at+len(op):])
	if value == "" && op != "=" && op != "!=" {
		return Condition{}, fmt.Errorf("where %q: no value after %s", s, op)
	}
	return Condition{Path: keys, Op: op, Value: value}, nil
}

// Match reports whether the detail object (canonical text) satisfies c. A
// missing field matches nothing, != included. Numbers compare as numbers
// when both sides are numbers; strings compare as text; other values
// (true, false, null, objects, arrays) compare by their JSON text with = and
// != only.
func (c Condition) Match(detail []byte) bool {
	field, ok := DetailField(detail, c.Path)
	if !ok {
		return false
	}
	switch field[0] {
	case '"':
		text, err := decodeString(field)
		if err != nil {
			return false
		}
		if c.Op == "~" {
			return strings.Contains(text, c.Value)
		}
		return compare(strings.Compare(text, c.Value), c.Op)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		want, ok := parseBig(c.Value)
		have, ok2 := parseBig(string(field))
		if !ok || !ok2 {
			return c.Op == "!="
		}
		return compare(have.Cmp(want), c.Op)
	}
	switch c.Op {
	case "=":
		return string(field) == c.Value
	case "!=":
		return string(field) != c.Value
	}
	return false
}

func compare(cmp int, op string) bool {
	switch op {
	case "=":
		return cmp == 0
	case "!=":
		return cmp != 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return false
}

func parseBig(s string) (*big.Float, bool) {
	f, _, err := big.ParseFloat(strings.TrimSpace(s), 10, 512, big.ToNearestEven)
	return f, err == nil
}

// DetailField returns the canonical text of the value at path inside a
// detail object, and whether it exists.
func DetailField(detail []byte, path []string) ([]byte, bool) {
	cur := detail
	for _, key := range path {
		if len(cur) == 0 || cur[0] != '{' {
			return nil, false
		}
		members, err := ObjectMembers(cur)
		if err != nil {
			return nil, false
		}
		found := false
		for _, m := range members {
			if m.Key == key {
				cur, found = m.Value, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return cur, true
}

// decodeString decodes the JSON text of one string.
func decodeString(text []byte) (string, error) {
	var s scanner
	s.reset(text)
	if len(text) == 0 || text[0] != '"' {
		return "", errors.New("not a string")
	}
	return s.string()
}

// TimeForms lists the accepted forms of a time bound, for messages.
const TimeForms = "an RFC 3339 time (2026-12-01T09:30:00Z, 2026-12-01T10:30:00+01:00), " +
	"a date (2026-12-01, taken as UTC midnight), or an age such as 15m, 2h, 7d or 2w"

// ParseTimeBound reads a time bound: an RFC 3339 time with any offset, a
// plain date (UTC midnight), or an age (a duration before now) such as 90s,
// 15m, 2h, 1h30m, 7d or 2w.
func ParseTimeBound(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	// RFC 3339 allows a lowercase "t" and "z"; Go's parser does not.
	if t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, ok := parseAge(s); ok {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("bad time %q: want %s", s, TimeForms)
}

func parseAge(s string) (time.Duration, bool) {
	if n := len(s); n > 1 && (s[n-1] == 'd' || s[n-1] == 'w') {
		count, err := strconv.ParseInt(s[:n-1], 10, 64)
		if err != nil || count < 0 || count > 1_000_000 {
			return 0, false
		}
		d := time.Duration(count) * 24 * time.Hour
		if s[n-1] == 'w' {
			d *= 7
		}
		return d, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d >= 0
}

// Needles returns byte strings that a stored line must contain to match the
// query, for skipping lines without parsing them: each group lists
// alternatives, and every group must have one present. They are only valid
// for a line with no backslash, where every string is written one way; a
// line with a backslash must be parsed. A query with nothing to look for
// returns no groups.
func (q *Query) Needles() [][][]byte {
	var groups [][][]byte
	if q.Trail != "" && plainText(q.Trail) && !strings.ContainsAny(q.Trail, "*?[\\") {
		groups = append(groups, [][]byte{AppendString(nil, q.Trail)})
	}
	if len(q.Verdicts) > 0 {
		var alts [][]byte
		for _, v := range q.Verdicts {
			alts = append(alts, AppendString(nil, string(v)))
		}
		groups = append(groups, alts)
	}
	return groups
}

// plainText reports whether s is printable ASCII needing no escape in JSON.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}

// MayMatch reports whether a stored line can match, by the query's needles:
// false means it certainly does not; true means it must be parsed.
func MayMatch(line []byte, needles [][][]byte) bool {
	if len(needles) == 0 || bytes.IndexByte(line, '\\') >= 0 {
		return true
	}
	for _, alts := range needles {
		found := false
		for _, n := range alts {
			if bytes.Contains(line, n) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

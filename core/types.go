package core

import (
	"fmt"
	"strings"
)

// Verdict is what a gate decided.
type Verdict string

// The verdicts a gate can reach. They are stored in upper case.
const (
	Allow    Verdict = "ALLOW"
	Block    Verdict = "BLOCK"
	Error    Verdict = "ERROR"
	Override Verdict = "OVERRIDE"
)

// Verdicts lists every verdict in a stable order.
var Verdicts = []Verdict{Allow, Block, Error, Override}

// ParseVerdict accepts a verdict in any letter case.
func ParseVerdict(s string) (Verdict, error) {
	for _, v := range Verdicts {
		if strings.EqualFold(s, string(v)) {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown verdict %q (want one of %s)", s, joinNames(Verdicts))
}

// Severity ranks how much an entry matters. Severities are ordered:
// DEBUG < INFO < WARN < ERROR < CRITICAL.
type Severity int

// The severities, lowest first.
const (
	Debug Severity = iota
	Info
	Warn
	SevError
	Critical
)

var severityNames = [...]string{"DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"}

// Severities lists every severity, lowest first.
var Severities = []Severity{Debug, Info, Warn, SevError, Critical}

// String returns the stored, upper-case name of the severity.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity accepts a severity name in any letter case.
func ParseSeverity(s string) (Severity, error) {
	for i, name := range severityNames {
		if strings.EqualFold(s, name) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", s, joinNames(Severities))
}

// IntegrityMode says how an entry is protected. The modes are ordered from
// weakest to strongest, so they can be compared.
type IntegrityMode int

// The integrity modes, weakest first.
const (
	IntegrityNone  IntegrityMode = iota // no hash
	IntegrityHash                       // a hash per entry
	IntegrityChain                      // a hash per entry, each linked to the previous one
)

var integrityNames = [...]string{"none", "hash", "chain"}

// IntegrityModes lists the modes, weakest first.
var IntegrityModes = []IntegrityMode{IntegrityNone, IntegrityHash, IntegrityChain}

// String returns the configuration name of the mode.
func (m IntegrityMode) String() string {
	if m < 0 || int(m) >= len(integrityNames) {
		return fmt.Sprintf("IntegrityMode(%d)", int(m))
	}
	return integrityNames[m]
}

// ParseIntegrityMode accepts none, hash or chain in any letter case.
func ParseIntegrityMode(s string) (IntegrityMode, error) {
	for i, name := range integrityNames {
		if strings.EqualFold(s, name) {
			return IntegrityMode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown integrity mode %q (want one of %s)", s, joinNames(IntegrityModes))
}

// Mode says how loudly a failure to record is reported.
type Mode string

// The reporting modes.
const (
	Hard Mode = "hard"
	Soft Mode = "soft"
)

// ParseMode accepts hard or soft in any letter case.
func ParseMode(s string) (Mode, error) {
	for _, m := range []Mode{Hard, Soft} {
		if strings.EqualFold(s, string(m)) {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown mode %q (want one of hard, soft)", s)
}

// StoreErrorMode says whether an action may proceed when its entry could not
// be stored.
type StoreErrorMode string

// The store-error modes.
const (
	FailClosed StoreErrorMode = "fail_closed"
	FailOpen   StoreErrorMode = "fail_open"
)

// ParseStoreErrorMode accepts fail_closed or fail_open in any letter case.
func ParseStoreErrorMode(s string) (StoreErrorMode, error) {
	for _, m := range []StoreErrorMode{FailClosed, FailOpen} {
		if strings.EqualFold(s, string(m)) {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown on_store_error %q (want one of fail_closed, fail_open)", s)
}

func joinNames[T fmt.Stringer](items []T) string {
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.String()
	}
	return strings.Join(names, ", ")
}

// String returns the stored name of the verdict.
func (v Verdict) String() string { return string(v) }

// Trail names one audit trail: namespace:source@principal. Sequences, chains
// and policies are kept per trail.
type Trail struct {
	Namespace string // has no ':'
	Source    string // has no '@'
	Principal string // anything, for example user:123 or global
}

// String returns the trail as namespace:source@principal.
func (t Trail) String() string {
	return t.Namespace + ":" + t.Source + "@" + t.Principal
}

// ParseTrail splits namespace:source@principal. The namespace ends at the
// first ':' and the source at the first '@' after it; the principal is the
// rest and may contain anything. No part may be empty.
func ParseTrail(s string) (Trail, error) {
	ns, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Trail{}, fmt.Errorf("malformed trail %q: want namespace:source@principal", s)
	}
	src, principal, ok := strings.Cut(rest, "@")
	if !ok {
		return Trail{}, fmt.Errorf("malformed trail %q: no '@' before the principal "+
			"(want namespace:source@principal)", s)
	}
	t := Trail{Namespace: ns, Source: src, Principal: principal}
	return t, t.validate()
}

// NewTrail builds a trail from its parts and checks them.
func NewTrail(namespace, source, principal string) (Trail, error) {
	t := Trail{Namespace: namespace, Source: source, Principal: principal}
	if strings.Contains(namespace, ":") {
		return Trail{}, fmt.Errorf("malformed trail: namespace %q contains ':'", namespace)
	}
	if strings.Contains(source, "@") {
		return Trail{}, fmt.Errorf("malformed trail: source %q contains '@'", source)
	}
	return t, t.validate()
}

func (t Trail) validate() error {
	switch {
	case t.Namespace == "":
		return fmt.Errorf("malformed trail %q: empty namespace", t.String())
	case t.Source == "":
		return fmt.Errorf("malformed trail %q: empty source", t.String())
	case t.Principal == "":
		return fmt.Errorf("malformed trail %q: empty principal", t.String())
	}
	return nil
}

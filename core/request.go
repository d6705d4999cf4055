package core

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ParseRequest reads one request of the batch protocol: a JSON object with
// the fields of the record flags. trail (or namespace and source, with
// principal defaulting to global) and verdict are required; severity
// defaults to INFO; gate_type, gate_identity, reason and detail are
// optional. Verdict and severity are read in any letter case. A field the
// protocol does not have, a duplicate key, a number too large for a double or
// text that is not UTF-8 is an error.
func ParseRequest(line []byte) (Request, error) {
	var p Parser
	return p.ParseRequest(line)
}

// ParseRequest is the package's ParseRequest with the parser's buffers.
func (p *Parser) ParseRequest(line []byte) (Request, error) {
	var req Request
	p.s.finite = true
	members, err := objectMembers(&p.s, line)
	p.s.finite = false
	if err != nil {
		return req, err
	}
	fields := make(map[string]string, 8)
	var reasonNull bool
	for _, m := range members {
		switch m.Key {
		case "detail":
			if len(m.Value) == 0 || m.Value[0] != '{' {
				return req, errors.New(`field "detail": want a JSON object`)
			}
			req.Detail = append([]byte(nil), m.Value...)
		case "trail", "namespace", "source", "principal", "verdict", "severity",
			"gate_type", "gate_identity", "reason":
			if m.Key == "reason" && string(m.Value) == "null" {
				reasonNull = true
				continue
			}
			if len(m.Value) == 0 || m.Value[0] != '"' {
				return req, fmt.Errorf("field %q: want a string", m.Key)
			}
			s, err := decodeString(m.Value)
			if err != nil || !utf8.ValidString(s) {
				return req, fmt.Errorf("field %q: not valid UTF-8 text", m.Key)
			}
			fields[m.Key] = s
		default:
			return req, fmt.Errorf("unknown field %s (want trail or namespace, source and "+
				"principal; verdict, severity, gate_type, gate_identity, reason, detail)",
				QuoteString(m.Key))
		}
	}

	if t, ok := fields["trail"]; ok {
		if fields["namespace"] != "" || fields["source"] != "" || fields["principal"] != "" {
			return req, errors.New("give trail or namespace/source/principal, not both")
		}
		if req.Trail, err = ParseTrail(t); err != nil {
			return req, err
		}
	} else {
		principal, ok := fields["principal"]
		if !ok {
			principal = "global"
		}
		if fields["namespace"] == "" || fields["source"] == "" {
			return req, errors.New(`no trail: give "trail" or "namespace" and "source"`)
		}
		if req.Trail, err = NewTrail(fields["namespace"], fields["source"], principal); err != nil {
			return req, err
		}
	}
	v, ok := fields["verdict"]
	if !ok {
		return req, errors.New(`missing field "verdict"`)
	}
	if req.Verdict, err = ParseVerdict(v); err != nil {
		return req, err
	}
	req.Severity = Info
	if s, ok := fields["severity"]; ok {
		if req.Severity, err = ParseSeverity(s); err != nil {
			return req, err
		}
	}
	req.GateType = fields["gate_type"]
	req.GateIdentity = fields["gate_identity"]
	if r, ok := fields["reason"]; ok && !reasonNull {
		req.Reason = &r
	}
	return req, nil
}

// ErrInvalidRequest is wrapped by the error of a request that cannot become
// an entry: Validate's error, which Record, RecordGroup, Guard and TryGuard
// return without storing anything or telling any listener.
var ErrInvalidRequest = errors.New("invalid request")

// Validate checks that req can become a well-formed entry: a trail with a
// namespace without ':', a source without '@' and a principal, none empty;
// one of the four verdicts; one of the five severities; text fields in
// UTF-8; and a Detail that is nil or the canonical text of a JSON object
// (Canonical gives it) with no NaN or infinity. The error wraps
// ErrInvalidRequest.
func (req *Request) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
	}
	if _, err := NewTrail(req.Trail.Namespace, req.Trail.Source, req.Trail.Principal); err != nil {
		return bad("%v", err)
	}
	if !validVerdict(req.Verdict) {
		return bad("unknown verdict %q (want one of %s)", string(req.Verdict), joinNames(Verdicts))
	}
	if req.Severity < Debug || req.Severity > Critical {
		return bad("unknown severity %d (want one of %s)", int(req.Severity), joinNames(Severities))
	}
	switch {
	case !utf8.ValidString(req.Trail.Namespace) || !utf8.ValidString(req.Trail.Source) ||
		!utf8.ValidString(req.Trail.Principal):
		return bad("the trail is not valid UTF-8 text")
	case !utf8.ValidString(req.GateType):
		return bad("the gate type is not valid UTF-8 text")
	case !utf8.ValidString(req.GateIdentity):
		return bad("the gate identity is not valid UTF-8 text")
	case !utf8.ValidString(req.RecordedBy):
		return bad("recorded by is not valid UTF-8 text")
	case req.Reason != nil && !utf8.ValidString(*req.Reason):
		return bad("the reason is not valid UTF-8 text")
	}
	if req.Detail != nil {
		if len(req.Detail) == 0 || req.Detail[0] != '{' {
			return bad("detail is not a JSON object")
		}
		if err := checkDetail(req.Detail); err != nil {
			if _, ok := err.(*NotCanonicalError); ok {
				return bad("detail is not in canonical form (core.Canonical gives it)")
			}
			return bad("detail: %v", err)
		}
	}
	return nil
}

func validVerdict(v Verdict) bool {
	for _, known := range Verdicts {
		if v == known {
			return true
		}
	}
	return false
}

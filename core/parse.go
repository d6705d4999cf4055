package core

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
)

// EntryError says why a stored line is not a well-formed entry.
type EntryError struct {
	Kind  ProblemKind // malformed, duplicate-key, missing-field, bad-field or unknown-field
	Field string      // the field concerned, if any
	Msg   string
}

func (e *EntryError) Error() string { return e.Msg }

// entry field bits, in stored order.
const (
	fSchema = 1 << iota
	fTrail
	fTS
	fWallTS
	fVerdict
	fSeverity
	fGateType
	fGateIdentity
	fRecordedBy
	fReason
	fDetail
	fEntryHash
	fPrevHash
	fSequence
	fAll = fSequence<<1 - 1
)

// fieldBit returns the bit of a known field, or 0.
func fieldBit(key []byte) int {
	switch string(key) {
	case "schema_version":
		return fSchema
	case "trail":
		return fTrail
	case "ts":
		return fTS
	case "wall_ts":
		return fWallTS
	case "verdict":
		return fVerdict
	case "severity":
		return fSeverity
	case "gate_type":
		return fGateType
	case "gate_identity":
		return fGateIdentity
	case "recorded_by":
		return fRecordedBy
	case "reason":
		return fReason
	case "detail":
		return fDetail
	case "entry_hash":
		return fEntryHash
	case "prev_hash":
		return fPrevHash
	case "sequence":
		return fSequence
	}
	return 0
}

// fieldOrder names the fields in stored order, for messages.
var fieldOrder = []string{"schema_version", "trail", "ts", "wall_ts", "verdict", "severity",
	"gate_type", "gate_identity", "recorded_by", "reason", "detail", "entry_hash",
	"prev_hash", "sequence"}

// unhashed are the fields the entry hash does not cover.
const unhashed = fSchema | fWallTS | fRecordedBy | fEntryHash

// hashRequired are the fields without which not even a hash can be computed.
const hashRequired = fTrail | fVerdict | fSeverity | fGateType | fGateIdentity

// Parser reads stored entries. Its zero value is ready to use; it keeps
// buffers between calls, so one Parser must not be used by two goroutines.
type Parser struct {
	s       scanner
	lenient bool
	// The text fields of one entry are gathered in arena and become one
	// string, so parsing an entry allocates once for all of them.
	arena []byte
	spans [numFields]span
}

// numFields is the number of entry fields.
const numFields = 14

type span struct{ start, end int32 }

// keep gathers raw as the text of field number i.
func (p *Parser) keep(i int, raw []byte) {
	p.spans[i] = span{int32(len(p.arena)), int32(len(p.arena) + len(raw))}
	p.arena = append(p.arena, raw...)
}

// text returns field number i's text from the entry's one string, and
// whether the field had text.
func (p *Parser) text(all string, i int) (string, bool) {
	sp := p.spans[i]
	if sp.start < 0 {
		return "", false
	}
	return all[sp.start:sp.end], true
}

// ParseEntry reads one stored line strictly, as verify does: it must be a
// JSON object with every entry field, each of the right type and value, no
// other field and no duplicate key at any depth.
func (p *Parser) ParseEntry(line []byte) (*Entry, error) {
	return p.parse(line, false)
}

// ParseEntryDefaults reads one line the way the Python implementation loads
// an entry: fields it can do without take its defaults (ts 0, reason null,
// detail {}, sequence 0, hashes null) and fields it does not know are
// ignored. trail, verdict, severity, gate_type and gate_identity are still
// required. The JSON itself is read as strictly as by ParseEntry.
func (p *Parser) ParseEntryDefaults(line []byte) (*Entry, error) {
	return p.parse(line, true)
}

func (p *Parser) parse(line []byte, lenient bool) (*Entry, error) {
	s := &p.s
	s.reset(line)
	p.lenient = lenient
	p.arena = p.arena[:0]
	for i := range p.spans {
		p.spans[i] = span{-1, -1}
	}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		if s.pos >= len(s.data) {
			return nil, &EntryError{Kind: KindMalformed, Msg: "empty line, not an entry"}
		}
		if _, err := Canonical(line); err != nil {
			return nil, malformed(err)
		}
		return nil, &EntryError{Kind: KindMalformed, Msg: "not a JSON object"}
	}
	e := &Entry{Detail: []byte("{}"), TS: Number{Text: "0"}}
	seen := 0
	var unknown []string
	var fieldErr *EntryError
	fail := func(field string, kind ProblemKind, format string, args ...any) {
		if lenient && fieldBit([]byte(field))&unhashed != 0 {
			return // the Python loader does not look at these
		}
		if fieldErr == nil {
			fieldErr = &EntryError{Kind: kind, Field: field, Msg: fmt.Sprintf(format, args...)}
		}
	}

	if err := s.enter(); err != nil {
		return nil, malformed(err)
	}
	s.pos++
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
	} else {
		for {
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] != '"' {
				return nil, malformed(s.errorf("object key must be a string"))
			}
			at := s.pos
			keyBytes, err := s.stringBytes()
			if err != nil {
				return nil, malformed(err)
			}
			bit := fieldBit(keyBytes)
			var key string
			if bit != 0 {
				key = fieldOrder[bits.TrailingZeros(uint(bit))]
			} else {
				key = string(keyBytes)
			}
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] != ':' {
				return nil, malformed(s.errorf("expected ':' after object key"))
			}
			s.pos++
			s.skipSpace()
			known := bit != 0
			switch {
			case known && seen&bit != 0:
				return nil, &EntryError{Kind: KindDuplicateKey, Field: key,
					Msg: (&DuplicateKeyError{Offset: at, Key: key}).Error()}
			case known:
				seen |= bit
				if err := p.field(e, key, fail); err != nil {
					return nil, err
				}
			default:
				for _, u := range unknown {
					if u == key {
						return nil, &EntryError{Kind: KindDuplicateKey, Field: key,
							Msg: (&DuplicateKeyError{Offset: at, Key: key}).Error()}
					}
				}
				unknown = append(unknown, key)
				if _, err := s.value(nil); err != nil {
					return nil, malformed(err)
				}
			}
			more, err := s.nextMember()
			if err != nil {
				return nil, malformed(err)
			}
			if !more {
				break
			}
		}
	}
	s.depth--
	if err := s.end(); err != nil {
		return nil, malformed(err)
	}
	p.assemble(e, fail)
	if fieldErr != nil {
		return nil, fieldErr
	}

	required := fAll
	if lenient {
		required = hashRequired
	} else if len(unknown) > 0 {
		return nil, &EntryError{Kind: KindUnknownField, Field: unknown[0],
			Msg: fmt.Sprintf("unknown field %s", QuoteString(unknown[0]))}
	}
	if missing := required &^ seen; missing != 0 {
		for i, name := range fieldOrder {
			if missing&(1<<i) != 0 {
				return nil, &EntryError{Kind: KindMissingField, Field: name,
					Msg: fmt.Sprintf("missing field %q", name)}
			}
		}
	}
	if e.PrevHash != "" && e.EntryHash == "" && !lenient {
		return nil, &EntryError{Kind: KindBadField, Field: "prev_hash",
			Msg: "prev_hash is set but entry_hash is null"}
	}
	return e, nil
}

func malformed(err error) *EntryError {
	var dup *DuplicateKeyError
	if errors.As(err, &dup) {
		return &EntryError{Kind: KindDuplicateKey, Field: dup.Key, Msg: dup.Error()}
	}
	return &EntryError{Kind: KindMalformed, Msg: "not valid JSON: " + err.Error()}
}

// jsonKind names the kind of the value starting with c, for messages.
func jsonKind(c byte) string {
	switch {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	}
	return "a number"
}

// field reads the value of a known field into e. A value of the wrong type
// or with a bad value is noted through fail and reading goes on, so that a
// syntax error later in the line still wins.
func (p *Parser) field(e *Entry, key string, fail func(string, ProblemKind, string, ...any)) error {
	s := &p.s
	if s.pos >= len(s.data) {
		return malformed(s.errorf("unexpected end of input"))
	}
	c := s.data[s.pos]
	wrongType := func(want string) error {
		fail(key, KindBadField, "field %q: want %s, found %s", key, want, jsonKind(c))
		_, err := s.value(nil)
		if err != nil {
			return malformed(err)
		}
		return nil
	}
	switch key {
	case "ts":
		if c != '-' && (c < '0' || c > '9') {
			return wrongType("a number")
		}
		text, isInt, err := s.numberText()
		if err != nil {
			return malformed(err)
		}
		f, _ := strconv.ParseFloat(string(text), 64)
		if isInt {
			p.keep(bitIndex(fTS), appendNumber(s.str[:0], text, true))
			e.TS.Value = f
		} else {
			p.keep(bitIndex(fTS), AppendFloat(s.str[:0], f))
			e.TS.Value = f
		}
		return nil
	case "sequence":
		if c != '-' && (c < '0' || c > '9') {
			return wrongType("an integer")
		}
		text, isInt, err := s.numberText()
		if err != nil {
			return malformed(err)
		}
		n, perr := strconv.ParseInt(string(text), 10, 64)
		switch {
		case !isInt:
			fail(key, KindBadField, "field \"sequence\": want an integer, found %s", text)
		case perr != nil || n < 0:
			fail(key, KindBadField, "field \"sequence\": %s is not a sequence number "+
				"(0 to 2^63-1)", text)
		}
		e.Sequence = n
		return nil
	case "detail":
		if c != '{' {
			return wrongType("an object")
		}
		members, err := s.members()
		if err != nil {
			return malformed(err)
		}
		e.Detail = AppendObject(make([]byte, 0, 64), members)
		return nil
	case "reason", "entry_hash", "prev_hash":
		if c == 'n' {
			_, err := s.literal(nil, "null")
			if err != nil {
				return malformed(err)
			}
			return nil
		}
		if c != '"' {
			return wrongType("a string or null")
		}
		raw, err := s.stringBytes()
		if err != nil {
			return malformed(err)
		}
		if key != "reason" && !validHash(raw) {
			fail(key, KindBadField, "field %q: %s is not 64 lowercase hex digits",
				key, QuoteString(string(raw)))
		}
		p.keep(bitIndex(fieldBitOf(key)), raw)
		return nil
	}

	// The remaining fields are strings.
	if c != '"' {
		return wrongType("a string")
	}
	raw, err := s.stringBytes()
	if err != nil {
		return malformed(err)
	}
	switch key {
	case "schema_version":
		if string(raw) != SchemaVersion {
			fail(key, KindBadField, "field \"schema_version\": unsupported version %s (want %q)",
				QuoteString(string(raw)), SchemaVersion)
		}
	case "wall_ts":
		if !quickWallTime(raw) {
			if _, err := ParseWallTime(string(raw)); err != nil {
				fail(key, KindBadField, "field \"wall_ts\": %v", err)
			}
		}
	case "verdict":
		v, ok := verdictByName(raw)
		if !ok {
			fail(key, KindBadField, "field \"verdict\": unknown verdict %s",
				QuoteString(string(raw)))
		}
		e.Verdict = v
		return nil
	case "severity":
		sev, ok := severityByName(raw)
		if !ok {
			fail(key, KindBadField, "field \"severity\": unknown severity %s",
				QuoteString(string(raw)))
		}
		e.Severity = sev
		return nil
	}
	p.keep(bitIndex(fieldBitOf(key)), raw)
	return nil
}

// assemble makes the text fields of e from the gathered text, as one
// string, and checks the trail.
func (p *Parser) assemble(e *Entry, fail func(string, ProblemKind, string, ...any)) {
	all := string(p.arena)
	if ts, ok := p.text(all, bitIndex(fTS)); ok {
		e.TS.Text = ts
	}
	e.SchemaVersion, _ = p.text(all, bitIndex(fSchema))
	if e.SchemaVersion == SchemaVersion {
		e.SchemaVersion = SchemaVersion
	}
	e.Trail, _ = p.text(all, bitIndex(fTrail))
	e.WallTS, _ = p.text(all, bitIndex(fWallTS))
	e.GateType, _ = p.text(all, bitIndex(fGateType))
	e.GateIdentity, _ = p.text(all, bitIndex(fGateIdentity))
	e.RecordedBy, _ = p.text(all, bitIndex(fRecordedBy))
	e.EntryHash, _ = p.text(all, bitIndex(fEntryHash))
	e.PrevHash, _ = p.text(all, bitIndex(fPrevHash))
	if reason, ok := p.text(all, bitIndex(fReason)); ok {
		e.Reason = &reason
	}
	if p.spans[bitIndex(fTrail)].start >= 0 {
		if _, err := ParseTrail(e.Trail); err != nil {
			fail("trail", KindBadField, "field \"trail\": %v", err)
		}
	}
}

func bitIndex(bit int) int { return bits.TrailingZeros(uint(bit)) }

// fieldBitOf returns the bit of a known field name.
func fieldBitOf(key string) int { return fieldBit([]byte(key)) }

// quickWallTime reports whether b is a time in the exact form auditgate
// writes, 2026-12-04T11:23:16.561848+00:00, with plausible fields; other
// forms are left to ParseWallTime.
func quickWallTime(b []byte) bool {
	const form = "dddd-dd-ddTdd:dd:dd.dddddd+00:00"
	if len(b) != len(form) {
		return false
	}
	for i := 0; i < len(form); i++ {
		if form[i] == 'd' {
			if b[i] < '0' || b[i] > '9' {
				return false
			}
		} else if b[i] != form[i] {
			return false
		}
	}
	num := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	month, day := num(5), num(8)
	return month >= 1 && month <= 12 && day >= 1 && day <= 28 && num(11) < 24 &&
		num(14) < 60 && num(17) < 60
}

func verdictByName(b []byte) (Verdict, bool) {
	for _, known := range Verdicts {
		if string(b) == string(known) {
			return known, true
		}
	}
	return "", false
}

func severityByName(b []byte) (Severity, bool) {
	for i, name := range severityNames {
		if string(b) == name {
			return Severity(i), true
		}
	}
	return 0, false
}

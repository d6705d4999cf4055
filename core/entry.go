package core

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// SchemaVersion is the entry format version auditgate writes and reads.
const SchemaVersion = "0.1.1"

// Entry is one recorded gate decision, as stored. String fields hold decoded
// text (WTF-8, so a lone surrogate from a foreign producer survives).
//
// A stored entry is one JSON object with the fields schema_version, trail,
// ts, wall_ts, verdict, severity, gate_type, gate_identity, recorded_by,
// reason, detail, entry_hash, prev_hash and sequence, written in that order.
type Entry struct {
	SchemaVersion string
	Trail         string
	TS            Number // ordering timestamp in seconds
	WallTS        string // ISO 8601 wall-clock time
	Verdict       Verdict
	Severity      Severity
	GateType      string
	GateIdentity  string
	RecordedBy    string
	Reason        *string // nil is JSON null
	Detail        []byte  // canonical text of the detail object
	EntryHash     string  // "" is JSON null
	PrevHash      string  // "" is JSON null
	Sequence      int64
}

// Number is a JSON number kept as its canonical text, so integers of any
// size and floats survive exactly, with its value as a double for comparing.
type Number struct {
	Text  string
	Value float64
}

// FloatNumber returns the Number Python would store for the float f.
func FloatNumber(f float64) Number {
	var buf [32]byte
	return Number{Text: string(AppendFloat(buf[:0], f)), Value: f}
}

// Integrity returns how the entry itself is protected: chain when it links to
// a previous entry, hash when it has only its own hash, none otherwise. The
// first entry of a chain carries no link, so it reads as hash.
func (e *Entry) Integrity() IntegrityMode {
	switch {
	case e.EntryHash == "":
		return IntegrityNone
	case e.PrevHash != "":
		return IntegrityChain
	}
	return IntegrityHash
}

// Canonical appends the canonical text that the entry hash is computed over:
// a JSON object of trail, ts, verdict, severity, gate_type, gate_identity,
// reason, detail and sequence, plus prev_hash when it is not null, with keys
// in sorted order. wall_ts, recorded_by, schema_version and entry_hash are
// not covered.
func (e *Entry) Canonical(dst []byte) []byte {
	dst = append(dst, `{"detail":`...)
	dst = append(dst, e.Detail...)
	dst = append(dst, `,"gate_identity":`...)
	dst = AppendString(dst, e.GateIdentity)
	dst = append(dst, `,"gate_type":`...)
	dst = AppendString(dst, e.GateType)
	if e.PrevHash != "" {
		dst = append(dst, `,"prev_hash":`...)
		dst = AppendString(dst, e.PrevHash)
	}
	dst = append(dst, `,"reason":`...)
	dst = appendNullableString(dst, e.Reason)
	dst = append(dst, `,"sequence":`...)
	dst = strconv.AppendInt(dst, e.Sequence, 10)
	dst = append(dst, `,"severity":`...)
	dst = AppendString(dst, e.Severity.String())
	dst = append(dst, `,"trail":`...)
	dst = AppendString(dst, e.Trail)
	dst = append(dst, `,"ts":`...)
	dst = append(dst, e.TS.Text...)
	dst = append(dst, `,"verdict":`...)
	dst = AppendString(dst, string(e.Verdict))
	return append(dst, '}')
}

// ComputeHash returns the hash the entry's entry_hash must hold: SHA-256 of
// its canonical text, as 64 lowercase hex digits.
func (e *Entry) ComputeHash() string {
	var buf [1024]byte
	sum := sha256.Sum256(e.Canonical(buf[:0]))
	return hex.EncodeToString(sum[:])
}

// AppendLine appends the stored form of the entry: one JSON object with its
// fields in the format's order, no spaces, ASCII only, and a final newline.
func (e *Entry) AppendLine(dst []byte) []byte {
	dst = append(dst, `{"schema_version":`...)
	dst = AppendString(dst, e.SchemaVersion)
	dst = append(dst, `,"trail":`...)
	dst = AppendString(dst, e.Trail)
	dst = append(dst, `,"ts":`...)
	dst = append(dst, e.TS.Text...)
	dst = append(dst, `,"wall_ts":`...)
	dst = AppendString(dst, e.WallTS)
	dst = append(dst, `,"verdict":`...)
	dst = AppendString(dst, string(e.Verdict))
	dst = append(dst, `,"severity":`...)
	dst = AppendString(dst, e.Severity.String())
	dst = append(dst, `,"gate_type":`...)
	dst = AppendString(dst, e.GateType)
	dst = append(dst, `,"gate_identity":`...)
	dst = AppendString(dst, e.GateIdentity)
	dst = append(dst, `,"recorded_by":`...)
	dst = AppendString(dst, e.RecordedBy)
	dst = append(dst, `,"reason":`...)
	dst = appendNullableString(dst, e.Reason)
	dst = append(dst, `,"detail":`...)
	dst = append(dst, e.Detail...)
	dst = append(dst, `,"entry_hash":`...)
	dst = appendHash(dst, e.EntryHash)
	dst = append(dst, `,"prev_hash":`...)
	dst = appendHash(dst, e.PrevHash)
	dst = append(dst, `,"sequence":`...)
	dst = strconv.AppendInt(dst, e.Sequence, 10)
	return append(dst, "}\n"...)
}

func appendNullableString(dst []byte, s *string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	return AppendString(dst, *s)
}

func appendHash(dst []byte, h string) []byte {
	if h == "" {
		return append(dst, "null"...)
	}
	if ValidHash(h) { // hex digits need no escaping
		dst = append(dst, '"')
		dst = append(dst, h...)
		return append(dst, '"')
	}
	return AppendString(dst, h)
}

// WallTime formats t as the entry's wall_ts: ISO 8601 in UTC with
// microseconds and an explicit +00:00 offset.
func WallTime(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	if year < 0 || year > 9999 {
		return t.Format("2006-01-02T15:04:05.000000+00:00")
	}
	var b [32]byte
	digits := func(at, n, v int) {
		for i := at + n - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	copy(b[:], "0000-00-00T00:00:00.000000+00:00")
	digits(0, 4, year)
	digits(5, 2, int(month))
	digits(8, 2, day)
	digits(11, 2, hour)
	digits(14, 2, minute)
	digits(17, 2, sec)
	digits(20, 6, t.Nanosecond()/1000)
	return string(b[:])
}

// UnixSeconds returns the entry ts for t: Unix seconds with microseconds.
func UnixSeconds(t time.Time) Number {
	return FloatNumber(float64(t.UnixMicro()) / 1e6)
}

// ValidHash reports whether h is 64 lowercase hex digits.
func ValidHash(h string) bool {
	return validHash([]byte(h))
}

var lowerHex = func() (t [256]bool) {
	for _, c := range "0123456789abcdef" {
		t[c] = true
	}
	return t
}()

func validHash(h []byte) bool {
	if len(h) != 64 {
		return false
	}
	ok := true
	for _, c := range h {
		ok = ok && lowerHex[c]
	}
	return ok
}

// ParseWallTime reads a wall_ts value: an RFC 3339 / ISO 8601 date and time
// with an offset, as auditgate and Python's isoformat write it.
func ParseWallTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("wall_ts %q is not an ISO 8601 time with an offset", s)
	}
	return t, nil
}

package core

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The canonical text of a JSON value is what the entry hash is computed over.
// It is the text that Python's json.dumps(value, sort_keys=True,
// separators=(",", ":")) writes, with its default ASCII-only output, for the
// value that Python's json.loads reads from the input:
//
//   - objects have their keys sorted by Unicode code point, at every depth,
//     and are written {"k":v,...} with no spaces;
//   - strings escape " and \ with a backslash; newline, carriage return, tab,
//     backspace and form feed as \n \r \t \b \f; every other character outside
//     0x20-0x7E as \u and four lowercase hex digits, characters above U+FFFF as
//     a UTF-16 surrogate pair; / is not escaped; an escaped lone surrogate is
//     kept as that escape;
//   - integers (no fraction, no exponent) keep their exact digits, -0 becomes 0;
//   - other numbers become the nearest IEEE-754 double, printed as Python's
//     repr prints a float (see FormatFloat);
//   - true, false and null are written as they are.
//
// The reader is stricter than Python's in two ways, both on purpose: a key
// that appears twice in one object is an error (two parsers could read such a
// line two ways), and the non-JSON literals NaN and Infinity are rejected.
// Like Python it rejects invalid UTF-8, raw control characters in strings and
// integers longer than 4300 digits.
//
// Decoded strings are held as WTF-8: UTF-8 in which a lone surrogate is
// written as its own three-byte sequence. Byte order of WTF-8 is code point
// order, so sorting keys as bytes sorts them the way Python does.

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 512

// maxIntDigits is the longest integer Python's json.loads accepts.
const maxIntDigits = 4300

// SyntaxError reports why a text is not acceptable JSON and where.
type SyntaxError struct {
	Offset int    // byte offset of the problem in the input
	Msg    string // what is wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at byte %d", e.Msg, e.Offset+1)
}

// DuplicateKeyError reports a key that appears twice in one JSON object.
type DuplicateKeyError struct {
	Offset int    // byte offset of the second occurrence
	Key    string // the key, decoded
}

func (e *DuplicateKeyError) Error() string {
	return fmt.Sprintf("duplicate key %s at byte %d", QuoteString(e.Key), e.Offset+1)
}

// Member is one key and value of a JSON object in canonical form.
type Member struct {
	Key   string // decoded key (WTF-8)
	Value []byte // canonical text of the value
	at    int    // offset of the key in the input, for error messages
}

// Canonical returns the canonical text of the single JSON value in data.
// Whitespace around the value is allowed; anything else after it is an error.
func Canonical(data []byte) ([]byte, error) {
	return canonical(&scanner{}, data)
}

// CanonicalFinite is Canonical for new input: it also rejects a number too
// large for a double, whose canonical text (Infinity) is not JSON.
func CanonicalFinite(data []byte) ([]byte, error) {
	return canonical(&scanner{finite: true}, data)
}

func canonical(s *scanner, data []byte) ([]byte, error) {
	s.reset(data)
	out, err := s.value(nil)
	if err != nil {
		return nil, err
	}
	if err := s.end(); err != nil {
		return nil, err
	}
	return out, nil
}

// finiteScanners keeps scanners, with their buffers, for IsCanonicalFinite.
var finiteScanners = sync.Pool{New: func() any { return &scanner{finite: true} }}

// IsCanonicalFinite reports whether data is already the canonical text of a
// value that CanonicalFinite accepts, and if not, why: a syntax error, or a
// *NotCanonicalError. It reuses its buffers between calls, so checking text
// that is canonical allocates little.
func IsCanonicalFinite(data []byte) error {
	s := finiteScanners.Get().(*scanner)
	defer finiteScanners.Put(s)
	s.reset(data)
	out, err := s.value(s.out[:0])
	if err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err
	}
	s.out = out
	if !bytes.Equal(out, data) {
		return &NotCanonicalError{Canonical: bytes.Clone(out)}
	}
	return nil
}

// NotCanonicalError reports text that is valid but not in canonical form.
type NotCanonicalError struct {
	Canonical []byte // the canonical text of the same value
}

func (e *NotCanonicalError) Error() string { return "not in canonical form" }

// ObjectMembersFinite is ObjectMembers for new input; see CanonicalFinite.
func ObjectMembersFinite(data []byte) ([]Member, error) {
	return objectMembers(&scanner{finite: true}, data)
}

// ObjectMembers reads the JSON object in data and returns its members in
// canonical key order, each value in canonical form.
func ObjectMembers(data []byte) ([]Member, error) {
	return objectMembers(&scanner{}, data)
}

// objectMembers reads an object with s. The members' values live in s's
// buffers, valid until s reads another object at the same depth.
func objectMembers(s *scanner, data []byte) ([]Member, error) {
	s.reset(data)
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		return nil, s.errorf("not a JSON object")
	}
	members, err := s.members()
	if err != nil {
		return nil, err
	}
	if err := s.end(); err != nil {
		return nil, err
	}
	return members, nil
}

// AppendObject appends the canonical text of an object with the given members,
// which must already be sorted by key and free of duplicates.
func AppendObject(dst []byte, members []Member) []byte {
	dst = append(dst, '{')
	for i, m := range members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, m.Key)
		dst = append(dst, ':')
		dst = append(dst, m.Value...)
	}
	return append(dst, '}')
}

// SortMembers sorts members into canonical order and reports a duplicate key.
func SortMembers(members []Member) error {
	slices.SortFunc(members, func(a, b Member) int { return compareKeys(a.Key, b.Key) })
	for i := 1; i < len(members); i++ {
		if members[i].Key == members[i-1].Key {
			at := max(members[i].at, members[i-1].at)
			return &DuplicateKeyError{Offset: at, Key: members[i].Key}
		}
	}
	return nil
}

func compareKeys(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scanner reads JSON text and writes canonical text as it goes.
type scanner struct {
	data    []byte
	pos     int
	depth   int
	scratch [][]Member // member lists reused per depth
	bufs    [][]byte   // value buffers reused per depth
	str     []byte     // decoded string scratch
	out     []byte     // IsCanonicalFinite's output, reused
	finite  bool       // reject numbers a double cannot hold
}

func (s *scanner) reset(data []byte) {
	s.data = data
	s.pos = 0
	s.depth = 0
}

func (s *scanner) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: s.pos, Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// end checks that only whitespace follows the value.
func (s *scanner) end() error {
	s.skipSpace()
	if s.pos < len(s.data) {
		return s.errorf("unexpected %s after the JSON value", describeByte(s.data[s.pos]))
	}
	return nil
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("character %q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// value appends the canonical text of the next value to dst.
func (s *scanner) value(dst []byte) ([]byte, error) {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return nil, s.errorf("unexpected end of input")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		members, err := s.members()
		if err != nil {
			return nil, err
		}
		return AppendObject(dst, members), nil
	case c == '[':
		return s.array(dst)
	case c == '"':
		str, err := s.string()
		if err != nil {
			return nil, err
		}
		return AppendString(dst, str), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number(dst)
	case c == 't':
		return s.literal(dst, "true")
	case c == 'f':
		return s.literal(dst, "false")
	case c == 'n':
		return s.literal(dst, "null")
	default:
		return nil, s.errorf("unexpected %s where a value belongs", describeByte(c))
	}
}

func (s *scanner) literal(dst []byte, word string) ([]byte, error) {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(word)) {
		return nil, s.errorf("invalid literal, want %s", word)
	}
	s.pos += len(word)
	return append(dst, word...), nil
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > maxDepth {
		return s.errorf("nesting deeper than %d levels", maxDepth)
	}
	for len(s.bufs) < s.depth {
		s.bufs = append(s.bufs, nil)
		s.scratch = append(s.scratch, nil)
	}
	return nil
}

// members reads an object and returns its members sorted. The returned slice
// is owned by the scanner and valid until the next object at the same depth.
func (s *scanner) members() ([]Member, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer func() { s.depth-- }()
	level := s.depth - 1
	buf := s.bufs[level][:0]
	list := s.scratch[level][:0]
	type span struct{ start, end int }
	var spans []span

	s.pos++ // '{'
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return list, nil
	}
	for {
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return nil, s.errorf("object key must be a string")
		}
		at := s.pos
		key, err := s.string()
		if err != nil {
			return nil, err
		}
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return nil, s.errorf("expected ':' after object key")
		}
		s.pos++
		start := len(buf)
		buf, err = s.value(buf)
		if err != nil {
			return nil, err
		}
		list = append(list, Member{Key: key, at: at})
		spans = append(spans, span{start, len(buf)})
		more, err := s.nextMember()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	// buf may have moved while growing; slice values out only now.
	for i := range list {
		list[i].Value = buf[spans[i].start:spans[i].end]
	}
	s.bufs[level] = buf
	s.scratch[level] = list
	if err := SortMembers(list); err != nil {
		return nil, err
	}
	return list, nil
}

// nextMember reads what follows an object member: ',' (another member
// follows) or '}' (the object ends).
func (s *scanner) nextMember() (bool, error) {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return false, s.errorf("unexpected end of input in object")
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		return true, nil
	case '}':
		s.pos++
		return false, nil
	}
	return false, s.errorf("expected ',' or '}' in object")
}

func (s *scanner) array(dst []byte) ([]byte, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer func() { s.depth-- }()
	s.pos++ // '['
	dst = append(dst, '[')
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return append(dst, ']'), nil
	}
	for first := true; ; first = false {
		if !first {
			dst = append(dst, ',')
		}
		var err error
		dst, err = s.value(dst)
		if err != nil {
			return nil, err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return nil, s.errorf("unexpected end of input in array")
		}
		if s.data[s.pos] == ',' {
			s.pos++
			continue
		}
		if s.data[s.pos] == ']' {
			s.pos++
			return append(dst, ']'), nil
		}
		return nil, s.errorf("expected ',' or ']' in array")
	}
}

// number appends the canonical text of the number at the current position.
func (s *scanner) number(dst []byte) ([]byte, error) {
	at := s.pos
	text, isInt, err := s.numberText()
	if err != nil {
		return nil, err
	}
	if s.finite && !isInt {
		if f, _ := strconv.ParseFloat(string(text), 64); math.IsInf(f, 0) {
			return nil, &SyntaxError{Offset: at, Msg: fmt.Sprintf(
				"number %s is too large for a double", text)}
		}
	}
	return appendNumber(dst, text, isInt), nil
}

// numberText scans a number by the JSON grammar and returns its text.
func (s *scanner) numberText() (text []byte, isInt bool, err error) {
	start := s.pos
	d := s.data
	if s.pos < len(d) && d[s.pos] == '-' {
		s.pos++
	}
	digits := s.pos
	switch {
	case s.pos < len(d) && d[s.pos] == '0':
		s.pos++
	case s.pos < len(d) && d[s.pos] >= '1' && d[s.pos] <= '9':
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
		}
	default:
		return nil, false, s.errorf("invalid number")
	}
	isInt = true
	if s.pos < len(d) && d[s.pos] == '.' {
		isInt = false
		s.pos++
		if !s.digits() {
			return nil, false, s.errorf("invalid number: no digits after '.'")
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		isInt = false
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if !s.digits() {
			return nil, false, s.errorf("invalid number: no digits in exponent")
		}
	}
	if isInt && s.pos-digits > maxIntDigits {
		return nil, false, &SyntaxError{Offset: start,
			Msg: fmt.Sprintf("integer longer than %d digits", maxIntDigits)}
	}
	return d[start:s.pos], isInt, nil
}

func (s *scanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos > start
}

// appendNumber writes a number literal that the JSON grammar accepted.
func appendNumber(dst, text []byte, isInt bool) []byte {
	if isInt {
		if len(text) == 2 && text[0] == '-' && text[1] == '0' {
			return append(dst, '0')
		}
		return append(dst, text...)
	}
	// ParseFloat rounds correctly; on overflow it returns ±Inf, which is
	// what Python's float() gives too. Underflow gives zero or a subnormal.
	f, _ := strconv.ParseFloat(string(text), 64)
	return AppendFloat(dst, f)
}

// AppendFloat appends f as Python's repr writes a float: the shortest digits
// that read back as f; positional notation with at least one digit after the
// point when the decimal exponent is from -4 to 15, otherwise scientific
// notation with a signed exponent of at least two digits. Infinities are
// written Infinity and -Infinity, as Python's json module does.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	var tmp, dbuf [32]byte
	sci := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // -d.ddde±XX
	at := bytes.IndexByte(sci, 'e')
	mant := sci[:at]
	exp := 0
	for _, c := range sci[at+2:] {
		exp = exp*10 + int(c-'0')
	}
	if sci[at+1] == '-' {
		exp = -exp
	}
	if exp < -4 || exp > 15 {
		return append(dst, sci...)
	}
	if mant[0] == '-' {
		dst = append(dst, '-')
		mant = mant[1:]
	}
	digits := dbuf[:0] // at most 17 significant digits, padded to at most 16
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	if exp < 0 {
		dst = append(dst, "0."...)
		for i := -1; i > exp; i-- {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	whole := exp + 1
	for len(digits) < whole {
		digits = append(digits, '0')
	}
	dst = append(dst, digits[:whole]...)
	dst = append(dst, '.')
	if len(digits) == whole {
		return append(dst, '0')
	}
	return append(dst, digits[whole:]...)
}

// string reads a JSON string and returns it decoded as WTF-8.
func (s *scanner) string() (string, error) {
	b, err := s.stringBytes()
	return string(b), err
}

// plainByte marks the bytes a string can hold as they are: printable ASCII
// other than '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// specialIn reports whether any of the eight bytes in w is one that string
// decoding cannot copy as it is: '"', '\\', a control character or a
// non-ASCII byte.
// It tests all eight at once with the usual carry tricks.
func specialIn(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote := w ^ (ones * '"')
	slash := w ^ (ones * '\\')
	zeroQuote := (quote - ones) &^ quote
	zeroSlash := (slash - ones) &^ slash
	control := (w - ones*0x20) &^ w
	return (zeroQuote|zeroSlash|control|w)&highs != 0
}

// escapeIn reports whether any of the eight bytes in w is one AppendString
// cannot copy as it is: those of specialIn, and DEL (0x7f).
func escapeIn(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	del := w ^ (ones * 0x7f)
	return specialIn(w) || (del-ones)&^del&highs != 0
}

// load64 reads the eight bytes of s from i as a little-endian word.
func load64(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// stringBytes reads a JSON string and returns it decoded as WTF-8, without
// allocating: the result is the input itself when the string has no escapes
// and no non-ASCII, else the scanner's scratch buffer, valid until the next
// string is read.
func (s *scanner) stringBytes() ([]byte, error) {
	s.pos++ // opening quote
	start := s.pos
	d := s.data
	for s.pos+8 <= len(d) && !specialIn(binary.LittleEndian.Uint64(d[s.pos:])) {
		s.pos += 8
	}
	for s.pos < len(d) && plainByte[d[s.pos]] {
		s.pos++
	}
	if s.pos < len(d) && d[s.pos] == '"' {
		s.pos++
		return d[start : s.pos-1], nil
	}
	out := append(s.str[:0], d[start:s.pos]...)
	for {
		if s.pos >= len(d) {
			return nil, s.errorf("unterminated string")
		}
		c := d[s.pos]
		switch {
		case c == '"':
			s.pos++
			s.str = out
			return out, nil
		case c < 0x20:
			return nil, s.errorf("raw control character 0x%02x in string (must be escaped)", c)
		case c == '\\':
			var err error
			out, err = s.escape(out)
			if err != nil {
				return nil, err
			}
		case c < 0x80:
			out = append(out, c)
			s.pos++
		default:
			r, size := utf8.DecodeRune(d[s.pos:])
			if r == utf8.RuneError && size <= 1 {
				return nil, s.errorf("invalid UTF-8 in string")
			}
			out = append(out, d[s.pos:s.pos+size]...)
			s.pos += size
		}
	}
}

// escape decodes one backslash escape at the current position.
func (s *scanner) escape(out []byte) ([]byte, error) {
	d := s.data
	if s.pos+1 >= len(d) {
		return nil, s.errorf("unterminated escape")
	}
	c := d[s.pos+1]
	s.pos += 2
	switch c {
	case '"', '\\', '/':
		return append(out, c), nil
	case 'b':
		return append(out, '\b'), nil
	case 'f':
		return append(out, '\f'), nil
	case 'n':
		return append(out, '\n'), nil
	case 'r':
		return append(out, '\r'), nil
	case 't':
		return append(out, '\t'), nil
	case 'u':
		u, ok := hex4(d[s.pos:])
		if !ok {
			return nil, s.errorf("invalid \\u escape")
		}
		s.pos += 4
		if u >= 0xD800 && u < 0xDC00 && s.pos+1 < len(d) && d[s.pos] == '\\' && d[s.pos+1] == 'u' {
			if lo, ok := hex4(d[s.pos+2:]); ok && lo >= 0xDC00 && lo < 0xE000 {
				s.pos += 6
				r := 0x10000 + (rune(u)-0xD800)<<10 + (rune(lo) - 0xDC00)
				return utf8.AppendRune(out, r), nil
			}
		}
		return appendWTF8(out, rune(u)), nil
	}
	s.pos -= 2
	return nil, s.errorf("invalid escape \\%c", c)
}

func hex4(b []byte) (uint16, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var v uint16
	for _, c := range b[:4] {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= uint16(c - '0')
		case c >= 'a' && c <= 'f':
			v |= uint16(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			v |= uint16(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return v, true
}

// appendWTF8 appends r in UTF-8, or a lone surrogate as its three-byte form.
func appendWTF8(out []byte, r rune) []byte {
	if r >= 0xD800 && r < 0xE000 {
		return append(out, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
	return utf8.AppendRune(out, r)
}

const hexDigits = "0123456789abcdef"

// AppendString appends the canonical JSON text of a WTF-8 string.
func AppendString(dst []byte, str string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(str); {
		// Copy a run that needs no escaping in one step, finding its end
		// eight bytes at a time.
		run := i
		for run+8 <= len(str) && !escapeIn(load64(str, run)) {
			run += 8
		}
		for run < len(str) && plainByte[str[run]] {
			run++
		}
		if run > i {
			dst = append(dst, str[i:run]...)
			i = run
			continue
		}
		c := str[i]
		if c < 0x80 {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c >= 0x20 && c < 0x7f:
				dst = append(dst, c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\b':
				dst = append(dst, '\\', 'b')
			case c == '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = appendU(dst, rune(c))
			}
			i++
			continue
		}
		r, size := decodeWTF8(str[i:])
		i += size
		if r > 0xFFFF {
			r -= 0x10000
			dst = appendU(dst, 0xD800+(r>>10))
			dst = appendU(dst, 0xDC00+(r&0x3FF))
			continue
		}
		dst = appendU(dst, r)
	}
	return append(dst, '"')
}

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u',
		hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// decodeWTF8 decodes one code point, lone surrogates included. Bytes that
// are not WTF-8 decode as U+FFFD one byte at a time; strings from the scanner
// never hold such bytes.
func decodeWTF8(s string) (rune, int) {
	if len(s) >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF && s[2]&0xC0 == 0x80 {
		return rune(s[0]&0x0F)<<12 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), 3
	}
	return utf8.DecodeRuneInString(s)
}

// QuoteString returns the canonical JSON text of a string, for messages.
func QuoteString(s string) string {
	return string(AppendString(nil, s))
}

package core

import (
	"bytes"
	"strconv"
)

// checkDetail returns nil when detail is the canonical text of a JSON
// object with finite numbers, and otherwise why not. Most details are flat
// objects of plain ASCII strings, integers, short floats and literals, whose
// canonical text is the text itself when it has no spaces and its keys are
// in order; those are recognised here without building the canonical text.
// Anything else goes through IsCanonicalFinite.
func checkDetail(detail []byte) error {
	if plainCanonicalObject(detail) {
		return nil
	}
	return IsCanonicalFinite(detail)
}

// plainCanonicalObject reports whether d is certainly canonical: an object
// written with no spaces whose keys, in strictly increasing order, and
// string values are printable ASCII without escapes, and whose other values
// are canonical integers, floats as Python prints them, true, false or null.
// A false answer means only "not sure".
func plainCanonicalObject(d []byte) bool {
	if len(d) < 2 || d[0] != '{' || d[len(d)-1] != '}' {
		return false
	}
	if len(d) == 2 {
		return true
	}
	var prevKey []byte
	i := 1
	for {
		key, n := plainString(d[i:])
		if n == 0 || (prevKey != nil && bytes.Compare(prevKey, key) >= 0) {
			return false
		}
		prevKey = key
		i += n
		if i >= len(d) || d[i] != ':' {
			return false
		}
		i++
		n = plainValue(d[i:])
		if n == 0 {
			return false
		}
		i += n
		switch {
		case i == len(d)-1:
			return true
		case d[i] != ',':
			return false
		}
		i++
	}
}

// plainString returns the contents and length of the string that d begins
// with, or 0 when it is not printable ASCII without escapes.
func plainString(d []byte) ([]byte, int) {
	if len(d) == 0 || d[0] != '"' {
		return nil, 0
	}
	for i := 1; i < len(d); i++ {
		switch c := d[i]; {
		case c == '"':
			return d[1:i], i + 1
		case c == '\\' || c < 0x20 || c > 0x7e:
			return nil, 0
		}
	}
	return nil, 0
}

// plainValue returns the length of the canonical scalar that d begins with,
// or 0.
func plainValue(d []byte) int {
	if len(d) == 0 {
		return 0
	}
	switch d[0] {
	case '"':
		_, n := plainString(d)
		return n
	case 't':
		return literalLen(d, "true")
	case 'f':
		return literalLen(d, "false")
	case 'n':
		return literalLen(d, "null")
	}
	end := 0
	for end < len(d) && (d[end] >= '0' && d[end] <= '9' || bytes.IndexByte([]byte("-+.eE"), d[end]) >= 0) {
		end++
	}
	text := d[:end]
	if end == 0 || end > 24 {
		return 0
	}
	if !bytes.ContainsAny(text, ".eE") {
		// An integer is kept as written, but for -0 and leading zeros.
		digits := text
		if digits[0] == '-' {
			digits = digits[1:]
		}
		if len(digits) == 0 || (digits[0] == '0' && (len(digits) > 1 || text[0] == '-')) ||
			bytes.ContainsAny(digits, "-+") {
			return 0
		}
		return end
	}
	if shortDecimal(text) {
		return end
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return 0
	}
	var buf [32]byte
	if !bytes.Equal(AppendFloat(buf[:0], f), text) {
		return 0
	}
	return end
}

func literalLen(d []byte, word string) int {
	if bytes.HasPrefix(d, []byte(word)) {
		return len(word)
	}
	return 0
}

// shortDecimal reports whether text is a decimal that Python prints as it
// is: -?I.F with no exponent, I without leading zeros, F without trailing
// zeros (or F = 0 after a nonzero I), at most 15 significant digits, and a
// magnitude from 1e-4 to below 1e16, where Python's repr is positional. A
// decimal of at most 15 significant digits reads back from the nearest
// double unchanged and no shorter decimal reads as that double, so those
// digits are the shortest that Python prints.
func shortDecimal(text []byte) bool {
	if text[0] == '-' {
		text = text[1:]
	}
	dot := bytes.IndexByte(text, '.')
	if dot <= 0 || dot == len(text)-1 {
		return false
	}
	whole, frac := text[:dot], text[dot+1:]
	for _, c := range frac {
		if c < '0' || c > '9' {
			return false
		}
	}
	for _, c := range whole {
		if c < '0' || c > '9' {
			return false
		}
	}
	if len(whole) > 1 && whole[0] == '0' {
		return false
	}
	if whole[0] != '0' {
		if string(frac) == "0" {
			return len(whole) <= 15
		}
		return frac[len(frac)-1] != '0' && len(whole)+len(frac) <= 15 && len(whole) <= 16
	}
	// 0.F: the significant digits start after F's leading zeros.
	lead := 0
	for lead < len(frac) && frac[lead] == '0' {
		lead++
	}
	return lead < len(frac) && lead <= 3 && frac[len(frac)-1] != '0' && len(frac)-lead <= 15
}

package core

import "errors"

// DecodeString decodes text that is exactly one JSON string, such as
// "a\u00e9", as strictly as entries are read, into WTF-8: a lone surrogate
// escape survives as its three-byte form, so AppendString of the result
// gives canonical text back.
func DecodeString(text []byte) (string, error) {
	var s scanner
	s.reset(text)
	if len(text) == 0 || text[0] != '"' {
		return "", errors.New("not a JSON string")
	}
	str, err := s.string()
	if err != nil {
		return "", err
	}
	if s.pos != len(text) {
		return "", s.errorf("unexpected %s after the JSON string", describeByte(text[s.pos]))
	}
	return str, nil
}

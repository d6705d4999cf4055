package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxLineBytes is the longest stored line auditgate reads or writes. It
// bounds memory whatever a log holds.
const MaxLineBytes = 64 << 20

// ErrLineTooLong is returned for a line longer than MaxLineBytes.
var ErrLineTooLong = fmt.Errorf("line longer than %d MiB", MaxLineBytes>>20)

// lineReader splits input into lines without copying short ones.
type lineReader struct {
	r    *bufio.Reader
	line int   // number of the line last returned, 1-based
	off  int64 // offset of the byte after the line last returned
	long []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 256<<10)}
}

// next returns the next line without its newline, whether it ended with a
// newline, and its starting offset. It returns io.EOF after the last line.
// The line is valid until the next call.
func (lr *lineReader) next() (line []byte, terminated bool, start int64, err error) {
	start = lr.off
	chunk, err := lr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		lr.long = append(lr.long[:0], chunk...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(lr.long) > MaxLineBytes {
				return nil, false, start, fmt.Errorf("line %d: %w", lr.line+1, ErrLineTooLong)
			}
			chunk, err = lr.r.ReadSlice('\n')
			lr.long = append(lr.long, chunk...)
		}
		chunk = lr.long
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, start, err
	}
	if len(chunk) == 0 {
		return nil, false, start, io.EOF
	}
	lr.line++
	lr.off += int64(len(chunk))
	if chunk[len(chunk)-1] == '\n' {
		return chunk[:len(chunk)-1], true, start, nil
	}
	if len(chunk) > MaxLineBytes {
		return nil, false, start, fmt.Errorf("line %d: %w", lr.line, ErrLineTooLong)
	}
	return chunk, false, start, nil
}

// isBlank reports whether b holds only JSON whitespace.
func isBlank(b []byte) bool {
	return len(bytes.TrimLeft(b, " \t\r\n")) == 0
}

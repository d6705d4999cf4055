package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/auditgate/auditgate/core"
)

// Format is how a log file holds its entries.
type Format string

// The formats ReadLog recognises from the content.
const (
	FormatJSONL  Format = "jsonl"  // one entry per line
	FormatArray  Format = "array"  // a JSON array of entries
	FormatObject Format = "object" // a single entry object, possibly spread over lines
	FormatEmpty  Format = "empty"  // nothing but whitespace
)

// Record is one item read from a log.
type Record struct {
	Loc  core.Location
	Data []byte // the entry's bytes; valid only during the callback
	// Partial marks an unterminated last line of JSON lines: an interrupted
	// write, not an entry.
	Partial bool
	// Broken is set when the input's structure is broken at Loc (a JSON
	// array that does not parse); reading stops after it.
	Broken error
}

// ReadLog reads a log in any of the formats and calls fn for each entry in
// order. The format is detected from the content: a leading '[' is a JSON
// array; a leading '{' whose first line is not a whole JSON value is a
// single entry object spread over lines; anything else is JSON lines. An
// error from fn stops reading and is returned.
func ReadLog(r io.Reader, fn func(Record) error) (Format, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	first, _, err := peekFirst(br)
	if err != nil {
		return "", err
	}
	switch first {
	case 0:
		return FormatEmpty, nil
	case '[':
		return FormatArray, readArray(br, fn)
	case '{':
		whole, err := firstLineIsValue(br)
		if err != nil {
			return "", err
		}
		if !whole {
			return FormatObject, readObject(br, fn)
		}
	}
	return FormatJSONL, readLines(br, fn)
}

// peekFirst returns the first non-whitespace byte (0 when there is none)
// and its line number, without consuming anything.
func peekFirst(br *bufio.Reader) (byte, int, error) {
	line := 1
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			if errors.Is(err, io.EOF) || errors.Is(err, bufio.ErrBufferFull) {
				return 0, line, nil
			}
			return 0, line, err
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r':
		case '\n':
			line++
		default:
			return c, line, nil
		}
	}
}

// firstLineIsValue reports whether the first line holds a complete JSON
// value; a syntax error other than running out of input counts as complete,
// so that JSON lines with a bad first line are still read line by line.
func firstLineIsValue(br *bufio.Reader) (bool, error) {
	for n := 4096; ; n *= 2 {
		b, err := br.Peek(n)
		if i := indexByte(b, '\n'); i >= 0 {
			b = b[:i]
		} else if err == nil || errors.Is(err, bufio.ErrBufferFull) {
			if n < br.Size() {
				continue
			}
			// A first line longer than the buffer: treat as JSON lines.
			return true, nil
		} else if !errors.Is(err, io.EOF) {
			return false, err
		}
		_, cerr := core.Canonical(b)
		var syn *core.SyntaxError
		if errors.As(cerr, &syn) && syn.Offset >= len(b) {
			return false, nil
		}
		return true, nil
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func readLines(br *bufio.Reader, fn func(Record) error) error {
	lr := newLineReader(br)
	for {
		line, terminated, _, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		rec := Record{Loc: core.Location{Line: lr.line, Index: -1}, Data: line}
		if !terminated {
			// An unterminated last line that is still a whole entry was
			// written by a producer that omits the final newline.
			if _, cerr := core.Canonical(line); cerr != nil && !isBlank(line) {
				rec.Partial = true
			}
		}
		if !terminated && isBlank(line) {
			return nil
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func readObject(br *bufio.Reader, fn func(Record) error) error {
	data, err := io.ReadAll(io.LimitReader(br, MaxLineBytes+1))
	if err != nil {
		return err
	}
	if len(data) > MaxLineBytes {
		return fmt.Errorf("entry object: %w", ErrLineTooLong)
	}
	line, _, _ := peekLine(data)
	return fn(Record{Loc: core.Location{Line: line, Index: -1}, Data: data})
}

// peekLine returns the line number of the first non-whitespace byte.
func peekLine(data []byte) (int, int, bool) {
	line := 1
	for i, c := range data {
		switch c {
		case '\n':
			line++
		case ' ', '\t', '\r':
		default:
			return line, i, true
		}
	}
	return line, len(data), false
}

// arrayReader splits a JSON array into its elements' bytes without parsing
// them; each element is parsed by the caller.
type arrayReader struct {
	br   *bufio.Reader
	line int
	buf  []byte
}

func (a *arrayReader) readByte() (byte, error) {
	c, err := a.br.ReadByte()
	if c == '\n' && err == nil {
		a.line++
	}
	return c, err
}

func (a *arrayReader) skipSpace() (byte, error) {
	for {
		c, err := a.readByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			return c, nil
		}
	}
}

func readArray(br *bufio.Reader, fn func(Record) error) error {
	a := &arrayReader{br: br, line: 1}
	broken := func(index int, format string, args ...any) error {
		return fn(Record{Loc: core.Location{Line: a.line, Index: index},
			Broken: fmt.Errorf(format, args...)})
	}
	if _, err := a.skipSpace(); err != nil { // the '['
		return err
	}
	c, err := a.skipSpace()
	if err != nil {
		return broken(0, "JSON array is not closed")
	}
	if c == ']' {
		return a.trailing(fn)
	}
	for index := 0; ; index++ {
		start := a.line
		if err := a.element(c); err != nil {
			return broken(index, "JSON array element %d: %v", index, err)
		}
		if err := fn(Record{Loc: core.Location{Line: start, Index: index}, Data: a.buf}); err != nil {
			return err
		}
		c, err = a.skipSpace()
		if err != nil {
			return broken(index+1, "JSON array is not closed")
		}
		if c == ']' {
			return a.trailing(fn)
		}
		if c != ',' {
			return broken(index+1, "expected ',' or ']' after array element %d, found %q", index, c)
		}
		if c, err = a.skipSpace(); err != nil {
			return broken(index+1, "JSON array is not closed")
		}
	}
}

// trailing checks that nothing but whitespace follows the array.
func (a *arrayReader) trailing(fn func(Record) error) error {
	c, err := a.skipSpace()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	return fn(Record{Loc: core.Location{Line: a.line, Index: -1},
		Broken: fmt.Errorf("unexpected %q after the JSON array", c)})
}

// element reads one value starting with c into a.buf, tracking strings and
// nesting only; its content is checked when it is parsed.
func (a *arrayReader) element(c byte) error {
	a.buf = append(a.buf[:0], c)
	depth := 0
	inString, escaped := false, false
	if c == '"' {
		inString = true
	}
	if c == '{' || c == '[' {
		depth = 1
	}
	for depth > 0 || inString || (c != '"' && !isDelim(c) && !a.atDelim()) {
		var err error
		c, err = a.readByte()
		if err != nil {
			return fmt.Errorf("unexpected end of input")
		}
		a.buf = append(a.buf, c)
		if len(a.buf) > MaxLineBytes {
			return ErrLineTooLong
		}
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
			if depth == 0 {
				return nil
			}
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return nil
			}
		}
	}
	return nil
}

func isDelim(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// atDelim reports whether the next byte ends a scalar value.
func (a *arrayReader) atDelim() bool {
	b, err := a.br.Peek(1)
	return err != nil || isDelim(b[0])
}

// ReadLog reads the store as the package-level ReadLog does, without
// blocking writers. An unterminated last line may be a write in progress:
// it is read again under a shared lock, which waits for the writer, and is
// reported as Partial only if it is still unterminated then. Reading ends
// with that line; whatever was appended after it is left to the next read.
func (f *File) ReadLog(fn func(Record) error) (Format, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return "", fmt.Errorf("open store %s: %w", f.path, unwrapPath(err))
	}
	defer fh.Close()
	return f.readLog(fh, fh, fn)
}

// readLog streams src, which reads fh from its start, and finishes an
// unterminated last line by reading fh again at that line's offset.
func (f *File) readLog(fh *os.File, src io.Reader, fn func(Record) error) (Format, error) {
	counted := &countingReader{r: src}
	format, err := ReadLog(counted, func(rec Record) error {
		if !rec.Partial {
			return fn(rec)
		}
		// An unterminated line comes only at the end of what was read, so
		// it starts len(rec.Data) bytes before that end.
		if err := f.finishLine(fh, counted.n-int64(len(rec.Data)), &rec); err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
		return errStopReading
	})
	if errors.Is(err, errStopReading) {
		err = nil
	}
	return format, err
}

// errStopReading ends ReadLog after a line that was finished under the lock:
// what follows it was appended after the end first seen.
var errStopReading = errors.New("stop reading")

// finishLine reads the unterminated line at start again under a shared lock,
// which waits for a writer in progress, and completes rec with the rest of
// the line if its newline has arrived.
func (f *File) finishLine(fh *os.File, start int64, rec *Record) error {
	if err := lockFile(fh, false); err != nil {
		return fmt.Errorf("lock store %s: %w", f.path, err)
	}
	defer unlockFile(fh)
	if line, err := readLineAt(fh, start, math.MaxInt64); err == nil {
		rec.Data, rec.Partial = line, false
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

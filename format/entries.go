package format

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/auditgate/auditgate/core"
)

// EntryWriter writes a stream of entries in one output format. Write is
// given each entry with its stored line (no newline); Close finishes the
// output and flushes it.
type EntryWriter interface {
	Write(line []byte, e *core.Entry) error
	Close() error
}

// EntryFormats lists the machine formats NewEntryWriter knows.
var EntryFormats = []string{"json", "jsonl", "csv"}

// NewEntryWriter returns a writer for json (an array of the entries exactly
// as stored), jsonl (the stored lines) or csv (one column per field).
func NewEntryWriter(w io.Writer, format string) (EntryWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case "json":
		return &jsonArrayWriter{w: bw}, nil
	case "jsonl":
		return &jsonlWriter{w: bw}, nil
	case "csv":
		return &csvWriter{w: csv.NewWriter(bw), bw: bw}, nil
	}
	return nil, fmt.Errorf("unknown entry format %q", format)
}

type jsonlWriter struct {
	w   *bufio.Writer
	buf bytes.Buffer
}

// Write writes the entry's bytes as one line. An entry read from a JSON
// array or a single object may be spread over lines; it is written with
// the whitespace between its tokens removed, its content unchanged.
func (j *jsonlWriter) Write(line []byte, _ *core.Entry) error {
	if bytes.ContainsAny(line, "\r\n") {
		j.buf.Reset()
		if err := json.Compact(&j.buf, line); err != nil {
			return err
		}
		line = j.buf.Bytes()
	}
	j.w.Write(line)
	return j.w.WriteByte('\n')
}

func (j *jsonlWriter) Close() error { return j.w.Flush() }

// Flush makes followed entries visible as they come.
func (j *jsonlWriter) Flush() error { return j.w.Flush() }

type jsonArrayWriter struct {
	w *bufio.Writer
	n int
}

func (j *jsonArrayWriter) Write(line []byte, _ *core.Entry) error {
	sep := ",\n"
	if j.n == 0 {
		sep = "[\n"
	}
	j.n++
	j.w.WriteString(sep)
	_, err := j.w.Write(line)
	return err
}

func (j *jsonArrayWriter) Close() error {
	if j.n == 0 {
		j.w.WriteString("[]\n")
	} else {
		j.w.WriteString("\n]\n")
	}
	return j.w.Flush()
}

// CSVHeader names the CSV columns: the entry fields in stored order.
var CSVHeader = []string{"schema_version", "trail", "ts", "wall_ts", "verdict", "severity",
	"gate_type", "gate_identity", "recorded_by", "reason", "detail", "entry_hash", "prev_hash",
	"sequence"}

type csvWriter struct {
	w      *csv.Writer
	bw     *bufio.Writer
	header bool
}

// Write writes one row. reason, entry_hash and prev_hash are empty when
// null; detail is its canonical JSON text.
func (c *csvWriter) Write(_ []byte, e *core.Entry) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	reason := ""
	if e.Reason != nil {
		reason = *e.Reason
	}
	return c.w.Write([]string{e.SchemaVersion, e.Trail, e.TS.Text, e.WallTS, string(e.Verdict),
		e.Severity.String(), e.GateType, e.GateIdentity, e.RecordedBy, reason, string(e.Detail),
		e.EntryHash, e.PrevHash, strconv.FormatInt(e.Sequence, 10)})
}

func (c *csvWriter) Close() error {
	return c.Flush()
}

// Flush makes followed entries visible as they come; the header is written
// first even when no row has been, so a follower sees it once what was
// there before has been read.
func (c *csvWriter) Flush() error {
	if !c.header {
		c.header = true
		c.w.Write(CSVHeader)
	}
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

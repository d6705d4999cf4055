package store

import (
	"fmt"
	"io"
	"runtime"

	"github.com/auditgate/auditgate/core"
)

// Log is a log that can be read entry by entry, as File and Memory can.
type Log interface {
	ReadLog(fn func(Record) error) (Format, error)
}

// ReaderLog returns the log that r holds, in any form ReadLog reads.
func ReaderLog(r io.Reader) Log { return readerLog{r} }

type readerLog struct{ r io.Reader }

func (l readerLog) ReadLog(fn func(Record) error) (Format, error) { return ReadLog(l.r, fn) }

// Verify reads log and checks it with core's verifier, parsing and hashing
// on every core: every hash, link and sequence of every trail, and a
// partial last line. For a File, each set-aside partial line becomes a note.
// An error means the log could not be read; integrity problems are in the
// report.
func Verify(log Log, opts core.VerifyOptions) (core.Report, Format, error) {
	v := core.NewVerifier(opts)
	p := v.Pipeline(runtime.GOMAXPROCS(0))
	logFormat, err := log.ReadLog(func(rec Record) error {
		switch {
		case rec.Broken != nil:
			p.AddBroken(rec.Loc, rec.Broken)
		case rec.Partial:
			p.AddPartial(rec.Loc, len(rec.Data))
		default:
			p.Add(rec.Loc, rec.Data)
		}
		return nil
	})
	p.Close()
	if err != nil {
		return core.Report{}, "", err
	}
	if f, ok := log.(*File); ok {
		asides, err := f.SetAsides()
		if err != nil {
			return core.Report{}, "", fmt.Errorf("read %s: %w", f.PartialPath(), err)
		}
		for _, a := range asides {
			v.Note(fmt.Sprintf("%d bytes of an interrupted write were set aside from offset %d "+
				"at %s; they are kept in %s", a.Length, a.Offset, a.At, f.PartialPath()))
		}
	}
	return v.Report(), logFormat, nil
}

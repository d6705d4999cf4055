package cmd

import (
	"fmt"
	"io"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/store"
)

// readEntries reads every well-formed entry of the logs at paths, in order,
// and calls fn with its stored bytes and its parsed form. A line that is not
// a well-formed entry is skipped with a warning on warn, since query and
// export show entries and verify is the command that judges a log. An error
// means a log could not be read.
//
// Lines that cannot hold a match by needles (see core.Query.Needles) are
// skipped unparsed; nil needles read every line.
func readEntries(paths []string, warn io.Writer, needles [][][]byte,
	fn func(line []byte, e *core.Entry) error) error {
	var p core.Parser
	for _, path := range paths {
		skipped := 0
		_, err := store.NewFile(path).ReadLog(func(rec store.Record) error {
			if rec.Broken != nil || rec.Partial {
				skipped++
				return nil
			}
			if !core.MayMatch(rec.Data, needles) {
				return nil
			}
			e, err := p.ParseEntry(rec.Data)
			if err != nil {
				skipped++
				if skipped <= 3 {
					fmt.Fprintf(warn, "auditgate: warning: %s %s: skipped: %v\n", path, rec.Loc, err)
				}
				return nil
			}
			return fn(rec.Data, e)
		})
		if err != nil {
			return err
		}
		if skipped > 0 {
			what := "lines that are not entries were"
			if skipped == 1 {
				what = "line that is not an entry was"
			}
			fmt.Fprintf(warn, "auditgate: warning: %s: %d %s skipped; run 'auditgate verify %s'\n",
				path, skipped, what, path)
		}
	}
	return nil
}

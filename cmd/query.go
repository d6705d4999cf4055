package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/format"
	"github.com/auditgate/auditgate/store"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

type queryOptions struct {
	filterOptions
	limit, offset, tail int
	count, follow, wide bool
	tailSet             bool // --tail was given, 0 included
}

func newQueryCommand(g *globals) *cobra.Command {
	o := &queryOptions{}
	c := &cobra.Command{
		Use:   "query [FILE ...]",
		Short: "Find entries by trail, verdict, severity, gate, time and detail",
		Long: `Print the entries that match every filter given, in append order, from the
configured store or the FILEs given.

On a terminal the output is a table (SEQ, TIME, TRAIL, VERDICT, SEVERITY,
GATE, REASON; --wide adds DETAIL and HASH), cut to the terminal's width; in a
pipe it is JSON lines, one stored entry per line. -o table|json|jsonl|csv
chooses. Verdicts are coloured on a terminal unless NO_COLOR is set.
` + filterHelp + `
Selection, applied after the filters:
  --offset N    skip the first N matches
  --limit N     print at most N matches
  --tail N      print only the last N matches
  --count       print only the number of matches
  -f, --follow  keep printing new matches as they are appended, until
                interrupted; waits for a store that does not exist yet

Lines that are not well-formed entries are skipped with a warning on
stderr; 'auditgate verify' judges a log. No match is not an error.

Examples:
  auditgate query --trail 'billing:*' --verdict block --since 24h
  auditgate query --where 'detail.calls_in_window>5' --severity warn -o csv
  auditgate query -f --verdict block,error
` + exitHelp,
		RunE: func(c *cobra.Command, args []string) error {
			return runQuery(c, g, o, args)
		},
	}
	o.register(c)
	f := c.Flags()
	f.IntVar(&o.limit, "limit", 0, "print at most N matches (0: no limit)")
	f.IntVar(&o.offset, "offset", 0, "skip the first N matches")
	f.IntVar(&o.tail, "tail", 0, "print only the last N matches (0: none, so -f shows only new ones)")
	f.BoolVar(&o.count, "count", false, "print only the number of matches")
	f.BoolVarP(&o.follow, "follow", "f", false, "keep printing new matches until interrupted")
	f.BoolVar(&o.wide, "wide", false, "table: add the DETAIL and HASH columns")
	return c
}

func runQuery(c *cobra.Command, g *globals, o *queryOptions, args []string) error {
	outFormat, err := g.outputFormat(c)
	if err != nil {
		return err
	}
	o.tailSet = c.Flags().Changed("tail")
	if err := o.check(c.Flags(), outFormat, len(args)); err != nil {
		return err
	}
	q, err := o.query(c.Flags(), time.Now())
	if err != nil {
		return err
	}
	cfg, err := g.loadConfig(c.Flags())
	if err != nil {
		return err
	}
	paths := cfg.logs(args)
	terminal := isTerminal(g.Out)
	if outFormat == "" {
		outFormat = "jsonl"
		if terminal {
			outFormat = "table"
		}
	}

	var w format.EntryWriter
	if outFormat == "table" {
		w = format.NewEntryTable(g.Out, format.TableOptions{Width: termWidth(g.Out), Wide: o.wide,
			Color: terminal && os.Getenv("NO_COLOR") == "", Follow: o.follow})
	} else if w, err = format.NewEntryWriter(g.Out, outFormat); err != nil {
		return usageError(err)
	}
	sel := newSelection(o, w)
	if o.tailSet {
		// --tail reads the logs twice, counting the matches first, so that
		// memory does not grow with the number of matches kept.
		n, err := countMatches(paths, q, o.follow)
		if err != nil {
			return usageError(err)
		}
		sel.skip = max(n-o.tail, 0)
	}

	if o.follow {
		ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err = followEntries(ctx, paths[0], g, q, sel, w)
	} else {
		err = readEntries(paths, g.ErrOut, q.Needles(), func(line []byte, e *core.Entry) error {
			if q.Match(e) {
				return sel.add(line, e)
			}
			return nil
		})
		if err == nil {
			err = sel.finish()
		}
	}
	if err != nil && !errors.Is(err, errEnough) {
		return usageError(err)
	}
	if o.count {
		_, err := fmt.Fprintln(g.Out, sel.matches)
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if sel.printed == 0 && terminal && !g.quiet {
		fmt.Fprintln(g.ErrOut, "auditgate: no entries match")
	}
	return nil
}

func (o *queryOptions) check(fs *pflag.FlagSet, outFormat string, files int) error {
	limited := fs.Changed("limit") || fs.Changed("offset")
	switch {
	case o.limit < 0 || o.offset < 0 || o.tail < 0:
		return usageErrorf("--limit, --offset and --tail take a number of entries, 0 or more")
	case o.count && (o.follow || o.tailSet || limited):
		return usageErrorf("--count counts every match: it does not go with --follow, --tail, " +
			"--limit or --offset")
	case o.follow && files > 1:
		return usageErrorf("--follow watches one log; give at most one FILE")
	case o.follow && outFormat == "json":
		return usageError(errors.New("--follow cannot write -o json, an array that never ends"),
			"use -o jsonl or -o csv")
	case o.tailSet && limited:
		return usageErrorf("--tail does not go with --limit or --offset")
	}
	return nil
}

// selection applies --offset, --limit, --tail and --count to matches.
type selection struct {
	o        *queryOptions
	w        format.EntryWriter
	matches  int
	printed  int
	skip     int // with --tail: the matches before the last --tail of them
	finished bool
}

// countMatches counts the matches of q in the logs at paths, as they are
// now. With follow, a log that does not exist yet has none.
func countMatches(paths []string, q *core.Query, follow bool) (int, error) {
	n := 0
	if follow {
		if _, err := os.Stat(paths[0]); errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
	}
	err := readEntries(paths, io.Discard, q.Needles(), func(_ []byte, e *core.Entry) error {
		if q.Match(e) {
			n++
		}
		return nil
	})
	return n, err
}

func newSelection(o *queryOptions, w format.EntryWriter) *selection {
	return &selection{o: o, w: w}
}

func (s *selection) add(line []byte, e *core.Entry) error {
	s.matches++
	switch {
	case s.o.count:
		return nil
	case s.o.tailSet && s.matches <= s.skip:
		return nil
	case s.o.tailSet && !s.o.follow && s.printed >= s.o.tail:
		// Matches appended since they were counted are not among the last
		// --tail of what was there.
		return errEnough
	case s.matches <= s.o.offset:
		return nil
	case s.o.limit > 0 && s.printed >= s.o.limit:
		return nil
	}
	s.printed++
	if err := s.w.Write(line, e); err != nil {
		return err
	}
	if s.o.limit > 0 && s.printed >= s.o.limit {
		return errEnough
	}
	return nil
}

// errEnough stops reading once --limit entries are printed.
var errEnough = errors.New("limit reached")

// finish marks the end of what was in the logs when reading began; with
// --follow, what comes after is flushed as it comes.
func (s *selection) finish() error {
	s.finished = true
	return nil
}

// flusher is an EntryWriter that can show what it holds before Close.
type flusher interface{ Flush() error }

func followEntries(ctx context.Context, path string, g *globals, q *core.Query, sel *selection,
	w format.EntryWriter) error {
	var p core.Parser
	flush := func() error {
		if f, ok := w.(flusher); ok {
			return f.Flush()
		}
		return nil
	}
	err := store.NewFile(path).Follow(ctx, func(rec store.Record) error {
		e, err := p.ParseEntry(rec.Data)
		if err != nil {
			fmt.Fprintf(g.ErrOut, "auditgate: warning: %s %s: skipped: %v\n", path, rec.Loc, err)
			return nil
		}
		if !q.Match(e) {
			return nil
		}
		if err := sel.add(rec.Data, e); err != nil {
			return err
		}
		if sel.finished {
			return flush()
		}
		return nil
	}, func() error {
		if err := sel.finish(); err != nil {
			return err
		}
		// Without a word, a mistyped store path would look like a quiet trail.
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && !g.quiet {
			fmt.Fprintf(g.ErrOut, "auditgate: waiting for %s, which does not exist yet\n", path)
		}
		return flush()
	})
	return err
}

// termWidth returns the width of the terminal w writes to, else $COLUMNS,
// else 120.
func termWidth(w any) int {
	if f, ok := w.(*os.File); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 0 {
			return width
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 120
}

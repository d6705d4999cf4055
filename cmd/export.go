package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/format"
	"github.com/spf13/cobra"
)

type exportOptions struct {
	filterOptions
	format string
	out    string
	force  bool
}

func newExportCommand(g *globals) *cobra.Command {
	o := &exportOptions{}
	c := &cobra.Command{
		Use:   "export [FILE ...]",
		Short: "Write entries as JSON, JSON lines or CSV for auditors and SIEMs",
		Long: `Write the entries that match every filter given (all entries without
filters) from the configured store or the FILEs given, in append order.

Formats (--format):
  jsonl  the stored lines, unchanged (the default)
  json   a JSON array of the entries exactly as stored; 'auditgate verify'
         accepts it as valid when it holds whole trails
  csv    a header and one row per entry, one column per field in stored
         order; detail is its compact JSON; reason, entry_hash and prev_hash
         are empty when null

--out FILE writes a temporary file beside FILE, flushes it and renames it
into place, so a failure never leaves a partial export; an existing FILE is
kept unless --force is given. The file is readable by its owner only.

A filtered export that leaves out part of a trail says so on stderr: such a
slice cannot verify on its own.
` + filterHelp + `
Examples:
  auditgate export --format json --out trail.json --trail 'billing:*'
  auditgate export --format csv --since 2026-11-01 --until 2026-12-01 > november.csv
` + exitHelp,
		RunE: func(c *cobra.Command, args []string) error {
			return runExport(c, g, o, args)
		},
	}
	o.register(c)
	f := c.Flags()
	f.StringVar(&o.format, "format", "jsonl", "json, jsonl or csv")
	f.StringVar(&o.out, "out", "", "write to this file instead of stdout")
	f.BoolVar(&o.force, "force", false, "replace --out FILE if it exists")
	_ = c.RegisterFlagCompletionFunc("format", completeWords(format.EntryFormats...))
	return c
}

func runExport(c *cobra.Command, g *globals, o *exportOptions, args []string) error {
	q, err := o.query(c.Flags(), time.Now())
	if err != nil {
		return err
	}
	if !contains(format.EntryFormats, o.format) {
		return usageErrorf("--format: unknown format %q (want json, jsonl or csv)", o.format)
	}
	cfg, err := g.loadConfig(c.Flags())
	if err != nil {
		return err
	}
	paths := cfg.logs(args)
	if o.out != "" && !o.force {
		if _, err := os.Lstat(o.out); err == nil {
			return usageError(fmt.Errorf("--out %s exists", o.out),
				"give --force to replace it, or choose another file")
		}
	}

	dest := g.Out
	var tmp *os.File
	if o.out != "" {
		tmp, err = os.CreateTemp(filepath.Dir(o.out), "."+filepath.Base(o.out)+".tmp-*")
		if err != nil {
			return usageError(fmt.Errorf("create %s: %w", o.out, unwrapPathErr(err)))
		}
		defer os.Remove(tmp.Name()) // after a rename, there is nothing left to remove
		dest = tmp
	}
	counts, err := writeExport(dest, o.format, paths, q, g.ErrOut)
	if err != nil {
		if tmp != nil {
			tmp.Close()
		}
		return usageError(err)
	}
	if tmp != nil {
		if err := finishExport(tmp, o.out, o.force); err != nil {
			return err
		}
	}
	for _, warning := range counts.cutTrails() {
		fmt.Fprintf(g.ErrOut, "auditgate: warning: %s\n", warning)
	}
	return nil
}

// trailCounts counts each trail's entries, and those exported.
type trailCounts struct {
	total, exported map[string]int
}

// cutTrails names the trails an export holds only part of.
func (t trailCounts) cutTrails() []string {
	var out []string
	for trail, n := range t.exported {
		if n != t.total[trail] {
			out = append(out, fmt.Sprintf("the export holds %d of the %d entries of trail %s: "+
				"it cannot verify on its own", n, t.total[trail], trail))
		}
	}
	sort.Strings(out)
	return out
}

func writeExport(dest io.Writer, fmtName string, paths []string, q *core.Query,
	warn io.Writer) (trailCounts, error) {
	counts := trailCounts{total: map[string]int{}, exported: map[string]int{}}
	w, err := format.NewEntryWriter(dest, fmtName)
	if err != nil {
		return counts, err
	}
	err = readEntries(paths, warn, nil, func(line []byte, e *core.Entry) error {
		counts.total[e.Trail]++
		if !q.Match(e) {
			return nil
		}
		counts.exported[e.Trail]++
		return w.Write(line, e)
	})
	if err != nil {
		return counts, err
	}
	return counts, w.Close()
}

// finishExport flushes the temporary file and puts it in place: renamed
// over dest with force, linked (which fails if dest appeared meanwhile)
// without.
func finishExport(tmp *os.File, dest string, force bool) error {
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", dest, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", dest, err)
	}
	if force {
		if err := os.Rename(tmp.Name(), dest); err != nil {
			return fmt.Errorf("replace %s: %w", dest, unwrapPathErr(err))
		}
		return nil
	}
	if err := os.Link(tmp.Name(), dest); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return usageError(fmt.Errorf("--out %s exists", dest), "give --force to replace it")
		}
		return fmt.Errorf("create %s: %w", dest, unwrapPathErr(err))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

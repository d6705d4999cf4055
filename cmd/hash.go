package cmd

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/store"
	"github.com/spf13/cobra"
)

type hashOptions struct {
	canonical bool
}

func newHashCommand(g *globals) *cobra.Command {
	o := &hashOptions{}
	c := &cobra.Command{
		Use:   "hash [FILE|-]",
		Short: "Print the entry hash each entry must hold",
		Long: `For each entry read (JSON lines, a JSON array or one object; stdin when FILE
is - or missing), print one line holding the hash its entry_hash must hold,
computed from its own fields, its prev_hash included. Fields the Python
implementation can do without take its defaults: ts 0, reason null,
detail {}, sequence 0, prev_hash null. --canonical prints the canonical
text that is hashed instead.

This is the tool for checking a producer written in another language:
  my-producer | auditgate hash
  auditgate hash --canonical entry.json

With -o json each line is an object with the line, the computed hash, the
stored one and whether they match. An entry that cannot be read is named
on stderr and makes the exit status 2; the others are still printed, and in
text an empty line stands in its place, so that output line N is entry N.
` + exitHelp,
		Args: maxArgs(1, "give one file, or - or nothing for stdin"),
		RunE: func(c *cobra.Command, args []string) error {
			return runHash(c, g, o, args)
		},
	}
	c.Flags().BoolVar(&o.canonical, "canonical", false, "print the canonical text instead of the hash")
	return c
}

func runHash(c *cobra.Command, g *globals, o *hashOptions, args []string) error {
	outFormat, err := g.outputFormat(c)
	if err != nil {
		return err
	}
	in, name := g.In, "stdin"
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return usageError(fmt.Errorf("open %s: %w", args[0], unwrapPathErr(err)))
		}
		defer f.Close()
		in, name = f, args[0]
	}
	out := bufio.NewWriter(g.Out)
	defer out.Flush()
	var p core.Parser
	bad := 0
	_, err = store.ReadLog(in, func(rec store.Record) error {
		var e *core.Entry
		var perr error
		switch {
		case rec.Broken != nil:
			perr = rec.Broken
		case rec.Partial:
			perr = fmt.Errorf("incomplete last line")
		default:
			e, perr = p.ParseEntryDefaults(rec.Data)
		}
		if perr != nil {
			bad++
			if outFormat != "json" {
				// An empty line keeps the output in step with the input.
				out.WriteByte('\n')
			}
			out.Flush()
			fmt.Fprintf(g.ErrOut, "auditgate: error: %s %s: %v\n", name, rec.Loc, perr)
			return nil
		}
		return writeHash(out, outFormat, o.canonical, rec.Loc, e)
	})
	if err != nil {
		return usageError(fmt.Errorf("read %s: %w", name, err))
	}
	if bad > 0 {
		out.Flush()
		return usageError(fmt.Errorf("%d of the entries in %s could not be read", bad, name))
	}
	return nil
}

func writeHash(w io.Writer, outFormat string, canonical bool, loc core.Location, e *core.Entry) error {
	if outFormat == "json" {
		got := e.ComputeHash()
		line := fmt.Sprintf(`{"line":%d,"entry_hash":%q,"stored_entry_hash":%s,"matches":%t,"canonical":%s}`,
			loc.Line, got, nullable(e.EntryHash), got == e.EntryHash,
			core.QuoteString(string(e.Canonical(nil))))
		_, err := fmt.Fprintln(w, line)
		return err
	}
	if canonical {
		_, err := w.Write(append(e.Canonical(nil), '\n'))
		return err
	}
	_, err := fmt.Fprintln(w, e.ComputeHash())
	return err
}

func nullable(s string) string {
	if s == "" {
		return "null"
	}
	return core.QuoteString(s)
}

package format

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/auditgate/auditgate/core"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// TableOptions shape the entry table.
type TableOptions struct {
	Width int  // terminal width in columns; cells are cut to fit it
	Wide  bool // add the DETAIL and HASH columns
	Color bool // colour verdicts
	// Follow sizes the columns for rows still to come: TRAIL, GATE, REASON
	// and DETAIL get room for typical values even when the rows printed so
	// far are shorter, since the columns cannot change once printed.
	Follow bool
}

// followWidths are the widths the flexible columns of a followed table get
// at least, before the table is fitted to the terminal.
var followWidths = map[string]int{"TRAIL": 32, "GATE": 12, "REASON": 40, "DETAIL": 40}

// tableSample is how many rows are looked at to size the columns before
// the table starts; later rows are cut to the same widths.
const tableSample = 1000

// entryTable writes entries as a table for a terminal. Rows are held back
// until Flush, Close or tableSample rows, sized to fit the width, then
// streamed: a followed table keeps its columns.
type entryTable struct {
	w       io.Writer
	opts    TableOptions
	header  []string
	flex    []int // columns that give up width first, in order
	held    [][]string
	widths  []int
	table   *tablewriter.Table
	started bool
}

// NewEntryTable returns an EntryWriter that prints a table with the columns
// SEQ, TIME, TRAIL, VERDICT, SEVERITY, GATE and REASON, plus DETAIL and HASH
// when opts.Wide is set. Newlines, tabs and other control characters in
// cells are shown as escapes, and long cells are cut with "…", so one entry
// is always one line.
func NewEntryTable(w io.Writer, opts TableOptions) EntryWriter {
	t := &entryTable{w: w, opts: opts,
		header: []string{"SEQ", "TIME", "TRAIL", "VERDICT", "SEVERITY", "GATE", "REASON"},
		flex:   []int{6, 2, 5}}
	if opts.Wide {
		t.header = append(t.header, "DETAIL", "HASH")
		t.flex = []int{7, 6, 2, 5}
	}
	if t.opts.Width <= 0 {
		t.opts.Width = 120
	}
	return t
}

func (t *entryTable) Write(_ []byte, e *core.Entry) error {
	reason := "-"
	if e.Reason != nil {
		reason = *e.Reason
	}
	when := e.WallTS
	if tm, err := core.ParseWallTime(e.WallTS); err == nil {
		when = tm.UTC().Format("2006-01-02T15:04:05Z")
	}
	row := []string{strconv.FormatInt(e.Sequence, 10), when, e.Trail, string(e.Verdict),
		e.Severity.String(), e.GateType, reason}
	if t.opts.Wide {
		hash := "-"
		if e.EntryHash != "" {
			hash = e.EntryHash[:12]
		}
		row = append(row, string(e.Detail), hash)
	}
	for i := range row {
		row[i] = cellText(row[i])
	}
	if t.started {
		return t.append(row)
	}
	t.held = append(t.held, row)
	if len(t.held) >= tableSample {
		return t.Flush()
	}
	return nil
}

// Flush sizes the columns, if that is not done yet, and prints held rows.
func (t *entryTable) Flush() error {
	if !t.started {
		if len(t.held) == 0 {
			return nil
		}
		if err := t.start(); err != nil {
			return err
		}
	}
	for _, row := range t.held {
		if err := t.append(row); err != nil {
			return err
		}
	}
	t.held = nil
	return nil
}

func (t *entryTable) Close() error {
	if err := t.Flush(); err != nil {
		return err
	}
	if t.started {
		return t.table.Close()
	}
	return nil
}

// start sizes the columns from the held rows and writes the header.
func (t *entryTable) start() error {
	t.widths = make([]int, len(t.header))
	for i, h := range t.header {
		t.widths[i] = twwidth.Width(h)
	}
	for _, row := range t.held {
		for i, cell := range row {
			t.widths[i] = max(t.widths[i], twwidth.Width(cell))
		}
	}
	if t.opts.Follow {
		for i, h := range t.header {
			t.widths[i] = max(t.widths[i], followWidths[h])
		}
	}
	t.fit()
	widths := tw.NewMapper[int, int]()
	for i, w := range t.widths {
		widths.Set(i, w+2) // tablewriter counts the padding
	}
	t.table = tablewriter.NewTable(t.w,
		tablewriter.WithConfig(tablewriter.Config{Widths: tw.CellWidth{PerColumn: widths}}),
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithStreaming(tw.StreamConfig{Enable: true}),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
	)
	if err := t.table.Start(); err != nil {
		return err
	}
	t.started = true
	header := make([]string, len(t.header))
	for i, h := range t.header {
		header[i] = cutCell(h, t.widths[i])
	}
	t.table.Header(header)
	return nil
}

// fit narrows columns until the table fits the terminal: the flexible
// columns first, down to 8 columns each, then further, down to 1 (a lone
// "…"), and on a very narrow terminal the time, severity and hash as well,
// so a row never wraps. Only SEQ and VERDICT keep their width.
func (t *entryTable) fit() {
	t.narrow(t.flex, 8)
	t.narrow(t.flex, 1)
	last := append([]int{1, 4}, t.flex...)
	if t.opts.Wide {
		last = append(last, 8) // HASH
	}
	t.narrow(last, 1)
}

// narrow cuts the columns cols until the table fits the terminal or they
// reach minWidth. The widest is cut first, and no further than the next
// widest, so one long column does not squeeze the others to nothing: the
// widest columns end up sharing the width evenly.
func (t *entryTable) narrow(cols []int, minWidth int) {
	const gap = 2
	total := func() int {
		sum := 0
		for _, w := range t.widths {
			sum += w + gap
		}
		return sum
	}
	for excess := total() - t.opts.Width; excess > 0; excess = total() - t.opts.Width {
		widest, next := -1, minWidth
		for _, c := range cols {
			switch w := t.widths[c]; {
			case w <= minWidth:
			case widest < 0 || w > t.widths[widest]:
				if widest >= 0 {
					next = max(next, t.widths[widest])
				}
				widest = c
			default:
				next = max(next, w)
			}
		}
		if widest < 0 {
			return
		}
		t.widths[widest] -= max(1, min(excess, t.widths[widest]-next))
	}
}

func (t *entryTable) append(row []string) error {
	cells := make([]string, len(row))
	for i, cell := range row {
		cell = cutCell(cell, t.widths[i])
		if i == 3 && t.opts.Color {
			cell = colorVerdict(cell)
		}
		cells[i] = cell
	}
	return t.table.Append(cells)
}

// cutCell cuts s to width columns, ending it with "…" when it is cut. The
// table measures cells with twwidth (grapheme clusters, so an emoji
// sequence is one character); cutting by the same measure keeps the "…"
// from being cut off in turn.
func cutCell(s string, width int) string {
	if twwidth.Width(s) <= width {
		return s
	}
	return twwidth.Truncate(s, width, "…")
}

var verdictColors = map[string]string{"ALLOW": "32", "BLOCK": "31", "ERROR": "33", "OVERRIDE": "36"}

// colorVerdict wraps a verdict in an ANSI colour; the table does not count
// escape codes toward a cell's width.
func colorVerdict(v string) string {
	code, ok := verdictColors[v]
	if !ok {
		return v
	}
	return fmt.Sprintf("\x1b[%sm%s\x1b[0m", code, v)
}

// cellText makes text safe for one table cell: control and other
// non-printing characters become escapes, so a reason cannot break a row
// or move the cursor.
func cellText(s string) string {
	if !strings.ContainsFunc(s, needsEscape) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r == unicode.ReplacementChar || !unicode.IsPrint(r) && r != ' '
}

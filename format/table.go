package format

import (
	"bytes"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// writeTable writes rows under a header as plain, left-aligned columns with
// no borders, so the output reads well on a terminal and greps well in a log.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Settings: tw.Settings{
				Separators: tw.Separators{
					BetweenRows: tw.Off, BetweenColumns: tw.Off,
					ShowHeader: tw.Off, ShowFooter: tw.Off,
				},
				Lines: tw.Lines{ShowHeaderLine: tw.Off, ShowFooterLine: tw.Off,
					ShowTop: tw.Off, ShowBottom: tw.Off},
			},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
	)
	t.Header(header)
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	// Padding leaves spaces at the end of each line; drop them.
	lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
	for _, line := range lines {
		trimmed := bytes.TrimRight(line, " \n")
		if len(line) > 0 && line[len(line)-1] == '\n' {
			trimmed = append(trimmed, '\n')
		}
		if _, err := w.Write(trimmed); err != nil {
			return err
		}
	}
	return nil
}

package format

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/auditgate/auditgate/core"
)

// FileReport is the verify report of one log file.
type FileReport struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	Valid  bool   `json:"valid"`
	core.Report
}

// VerifyJSON is the JSON document verify -o json writes.
type VerifyJSON struct {
	Valid bool         `json:"valid"`
	Files []FileReport `json:"files"`
}

// WriteVerifyJSON writes all file reports as one JSON document.
func WriteVerifyJSON(w io.Writer, files []FileReport) error {
	doc := VerifyJSON{Valid: true, Files: files}
	for _, f := range files {
		doc.Valid = doc.Valid && f.Valid
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// WriteVerifyText writes one file's report for people: a verdict line, a
// summary row per trail, then every problem with its place.
func WriteVerifyText(w io.Writer, f FileReport) error {
	verdict := "valid"
	if !f.Valid {
		verdict = fmt.Sprintf("INVALID, %s", plural(f.ProblemCount, "problem"))
	}
	if _, err := fmt.Fprintf(w, "%s: %s (%s in %s, %s format)\n", f.Path, verdict,
		plural(f.Entries, "entry"), plural(len(f.Trails), "trail"), f.Format); err != nil {
		return err
	}
	if len(f.Trails) > 0 {
		rows := make([][]string, 0, len(f.Trails))
		for _, t := range f.Trails {
			status := "ok"
			if t.Problems > 0 {
				status = plural(t.Problems, "problem")
			}
			rows = append(rows, []string{t.Trail, strconv.Itoa(t.Entries),
				fmt.Sprintf("%d..%d", t.FirstSeq, t.LastSeq), t.Integrity, status})
		}
		if err := writeTable(w, []string{"TRAIL", "ENTRIES", "SEQUENCES", "INTEGRITY", "STATUS"},
			rows); err != nil {
			return err
		}
	}
	for _, p := range f.Problems {
		where := p.Where()
		if p.Trail != "" {
			where += " " + p.Trail
		}
		if p.Sequence != nil {
			where += fmt.Sprintf(" #%d", *p.Sequence)
		}
		if _, err := fmt.Fprintf(w, "%s: %s: %s\n", where, p.Kind, p.Message); err != nil {
			return err
		}
	}
	if hidden := f.ProblemCount - len(f.Problems); hidden > 0 {
		if _, err := fmt.Fprintf(w, "(%s more not shown)\n", plural(hidden, "problem")); err != nil {
			return err
		}
	}
	for _, n := range f.Notes {
		if _, err := fmt.Fprintf(w, "note: %s\n", n); err != nil {
			return err
		}
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if word == "entry" {
		return strconv.Itoa(n) + " entries"
	}
	return strconv.Itoa(n) + " " + word + "s"
}

package format

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/auditgate/auditgate/checkpoint"
	"github.com/auditgate/auditgate/core"
)

// WriteProofJSON writes an inclusion proof as the one JSON document prove
// prints: indented, the entry and checkpoint as JSON strings.
func WriteProofJSON(w io.Writer, p *checkpoint.InclusionProof) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// ProofReport is verify-proof's verdict on one file.
type ProofReport struct {
	Path     string           `json:"path"`
	Valid    bool             `json:"valid"`
	Kind     core.ProblemKind `json:"kind,omitempty"`    // what is wrong, when invalid
	Message  string           `json:"message,omitempty"` // why, when invalid
	Origin   string           `json:"origin,omitempty"`
	TreeSize int64            `json:"tree_size"`
	SignedBy []string         `json:"signed_by"`
	// For an inclusion proof: the entry proven and its 1-based line.
	Trail    string `json:"trail,omitempty"`
	Sequence *int64 `json:"sequence,omitempty"`
	Line     int64  `json:"line,omitempty"`
	// For a checkpoint checked against an older one: the older one and the
	// lines it covers.
	Since     string `json:"since,omitempty"`
	SinceSize int64  `json:"since_size,omitempty"`
}

// WriteProofText writes the verdict as one line for people.
func WriteProofText(w io.Writer, r ProofReport) error {
	if !r.Valid {
		_, err := fmt.Fprintf(w, "%s: INVALID: %s: %s\n", r.Path, r.Kind, r.Message)
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: valid: ", r.Path)
	if r.Sequence != nil {
		fmt.Fprintf(&b, "entry %s #%d is line %d of ", core.QuoteString(r.Trail), *r.Sequence,
			r.Line)
	} else {
		b.WriteString("checkpoint of ")
	}
	fmt.Fprintf(&b, "the %d lines of log %s, signed by %s", r.TreeSize, r.Origin,
		strings.Join(r.SignedBy, ", "))
	if r.Since != "" {
		fmt.Fprintf(&b, "; it extends %s (%d lines)", r.Since, r.SinceSize)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteProofReportJSON writes the verdict as one JSON document.
func WriteProofReportJSON(w io.Writer, r ProofReport) error {
	if r.SignedBy == nil {
		r.SignedBy = []string{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

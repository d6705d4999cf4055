package format

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/auditgate/auditgate/core"
)

// PolicyJSON is the JSON form of a policy.
type PolicyJSON struct {
	Mode         string `json:"mode"`
	OnStoreError string `json:"on_store_error"`
	MinSeverity  string `json:"min_severity"`
	Retention    string `json:"retention"`
	Integrity    string `json:"integrity"`
	Rule         string `json:"rule,omitempty"`
}

// NewPolicyJSON returns the JSON form of p, which came from origin.
func NewPolicyJSON(p core.Policy, origin string) PolicyJSON {
	return PolicyJSON{
		Mode:         string(p.Mode),
		OnStoreError: string(p.OnStoreError),
		MinSeverity:  p.MinSeverity.String(),
		Retention:    p.RetentionString(),
		Integrity:    p.Integrity.String(),
		Rule:         origin,
	}
}

// DecisionJSON is the JSON form of a decision. Entry is the stored line.
type DecisionJSON struct {
	Status  string          `json:"status"`
	Trail   string          `json:"trail"`
	Proceed bool            `json:"proceed"`
	Reason  *string         `json:"reason"`
	Policy  PolicyJSON      `json:"policy"`
	Entry   json.RawMessage `json:"entry"`
}

// WriteDecisionJSON writes d as one line of JSON.
func WriteDecisionJSON(w io.Writer, d core.Decision) error {
	out := DecisionJSON{
		Status:  string(d.Status),
		Trail:   d.Trail,
		Proceed: d.Proceed,
		Policy:  NewPolicyJSON(d.Policy, d.PolicyOrigin),
		Entry:   json.RawMessage("null"),
	}
	if d.Reason != "" {
		out.Reason = &d.Reason
	}
	if d.Entry != nil {
		line := d.Entry.AppendLine(nil)
		out.Entry = line[:len(line)-1]
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// DecisionText returns the one-line summary of a decision, such as
// "recorded billing:refund@user:42 #7 BLOCK WARN chain 3f2a9c1b04e1".
func DecisionText(d core.Decision) string {
	if d.Status == core.Dropped {
		return fmt.Sprintf("dropped %s: %s", d.Trail, d.Reason)
	}
	e := d.Entry
	s := fmt.Sprintf("recorded %s #%d %s %s %s", d.Trail, e.Sequence, e.Verdict, e.Severity,
		e.Integrity())
	if e.EntryHash != "" {
		s += " " + e.EntryHash[:12]
	}
	return s
}

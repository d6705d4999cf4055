package format

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

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

// AppendBatchDecision appends one line of the batch protocol's output: the
// request's input line number, then the decision as WriteDecisionJSON
// writes it. It is written by hand because a batch prints one per entry.
func AppendBatchDecision(dst []byte, inputLine int, d core.Decision) []byte {
	dst = append(dst, `{"input_line":`...)
	dst = strconv.AppendInt(dst, int64(inputLine), 10)
	dst = append(dst, `,"status":`...)
	dst = core.AppendString(dst, string(d.Status))
	dst = append(dst, `,"trail":`...)
	dst = core.AppendString(dst, d.Trail)
	dst = append(dst, `,"proceed":`...)
	dst = strconv.AppendBool(dst, d.Proceed)
	dst = append(dst, `,"reason":`...)
	if d.Reason == "" {
		dst = append(dst, "null"...)
	} else {
		dst = core.AppendString(dst, d.Reason)
	}
	if d.Entry != nil {
		dst = append(dst, `,"sequence":`...)
		dst = strconv.AppendInt(dst, d.Entry.Sequence, 10)
		dst = append(dst, `,"entry_hash":`...)
		if d.Entry.EntryHash == "" {
			dst = append(dst, "null"...)
		} else {
			dst = core.AppendString(dst, d.Entry.EntryHash)
		}
	}
	return append(dst, "}\n"...)
}

// AppendBatchProblem appends the output line of a request that was not
// recorded for a reason of its own: status REJECTED (bad input) or
// NOT_ATTEMPTED (the batch stopped before it).
func AppendBatchProblem(dst []byte, inputLine int, status, reason string) []byte {
	dst = append(dst, `{"input_line":`...)
	dst = strconv.AppendInt(dst, int64(inputLine), 10)
	dst = append(dst, `,"status":`...)
	dst = core.AppendString(dst, status)
	dst = append(dst, `,"proceed":false,"reason":`...)
	dst = core.AppendString(dst, reason)
	return append(dst, "}\n"...)
}

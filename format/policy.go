package format

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/auditgate/auditgate/core"
)

// WritePolicyText writes the resolved policy of a trail, one field a line.
func WritePolicyText(w io.Writer, trail string, p core.Policy, origin string) error {
	_, err := fmt.Fprintf(w, "trail:           %s\nrule:            %s\nmode:            %s\n"+
		"on_store_error:  %s\nmin_severity:    %s\nretention:       %s\nintegrity:       %s\n",
		trail, origin, p.Mode, p.OnStoreError, p.MinSeverity, p.RetentionString(), p.Integrity)
	return err
}

// WritePolicyJSON writes the resolved policy of a trail as one JSON object.
func WritePolicyJSON(w io.Writer, trail string, p core.Policy, origin string) error {
	b, err := json.Marshal(struct {
		Trail string `json:"trail"`
		PolicyJSON
	}{trail, NewPolicyJSON(p, origin)})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

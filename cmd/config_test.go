package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestExampleConfig checks that the documented example config loads and
// resolves as its comments say.
func TestExampleConfig(t *testing.T) {
	tests := []struct{ trail, want string }{
		{"billing:refund@user:42", "integrity:       chain"},
		{"api:ratelimit@user:1", "on_store_error:  fail_open"},
		{"sandbox:trace@tenant:test-7", "integrity:       none"},
		{"ops:deploy@global", "rule:            defaults in ../examples/auditgate.yaml"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := Main(context.Background(),
			[]string{"--config", "../examples/auditgate.yaml", "policy", tt.trail},
			Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		if code != 0 || !strings.Contains(out.String(), tt.want) {
			t.Errorf("policy %s = exit %d\n%s%s, want a line %q", tt.trail, code, out.String(),
				errOut.String(), tt.want)
		}
	}
}

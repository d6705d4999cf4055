package core

import (
	"bytes"
	"context"
	"runtime"
	"testing"
)

// BenchmarkVerify measures verifying typical chained entries (16 trails,
// about 450 bytes each), per entry, with the sequential verifier and with
// the pipeline on every core.
func BenchmarkVerify(b *testing.B) {
	trails := make([]string, 16)
	for i := range trails {
		trails[i] = "tenant" + string(rune('a'+i%4)) + ":actiongate@user:" + string(rune('a'+i))
	}
	st := &memStore{}
	eng := &Engine{Store: st, Policies: policiesWith(IntegrityChain)}
	reason := "rule 42 matched"
	for i := 0; i < 20000; i++ {
		tr, _ := ParseTrail(trails[i%len(trails)])
		eng.Record(context.Background(), Request{Trail: tr, Verdict: Block, Severity: Warn, Reason: &reason,
			RecordedBy: "svc@host", Detail: []byte(`{"calls":7,"request_id":"req-00012345"}`)})
	}
	lines := make([][]byte, len(st.lines))
	for i, l := range st.lines {
		lines[i] = bytes.TrimSuffix(l, []byte("\n"))
	}
	run := func(b *testing.B, add func(v *Verifier, n int) func()) {
		b.SetBytes(int64(len(lines[1])))
		for i := 0; i < b.N; {
			v := NewVerifier(VerifyOptions{})
			done := add(v, min(b.N-i, len(lines)))
			done()
			i += len(lines)
		}
	}
	b.Run("sequential", func(b *testing.B) {
		run(b, func(v *Verifier, n int) func() {
			for j := 0; j < n; j++ {
				v.Add(Location{Line: j + 1, Index: -1}, lines[j])
			}
			return func() {}
		})
	})
	b.Run("pipeline", func(b *testing.B) {
		run(b, func(v *Verifier, n int) func() {
			p := v.Pipeline(runtime.GOMAXPROCS(0))
			for j := 0; j < n; j++ {
				p.Add(Location{Line: j + 1, Index: -1}, lines[j])
			}
			return p.Close
		})
	})
}

package store

import (
	"context"
	"testing"

	"github.com/auditgate/auditgate/core"
)

// benchRecord records b.N typical entries (16 trails, a reason and a small
// detail, about 500 bytes stored) into a Memory under integrity, one
// Record call per entry, and reports the cost per entry.
func benchRecord(b *testing.B, integrity core.IntegrityMode, parallel bool) {
	ps := core.NewPolicies()
	ps.Defaults.Integrity = integrity
	eng := &core.Engine{Store: NewMemory(), Policies: ps}
	trails := make([]core.Trail, 16)
	for i := range trails {
		trails[i] = core.Trail{Namespace: "billing", Source: "refund",
			Principal: "user:" + string(rune('a'+i))}
	}
	reason := "over budget"
	req := core.Request{Verdict: core.Block, Severity: core.Warn, Reason: &reason,
		RecordedBy: "gatekeeper@prod-1",
		Detail:     []byte(`{"amount":129.5,"currency":"EUR","request_id":"req-00012345"}`)}
	ctx := context.Background()
	record := func(b *testing.B, i int) {
		r := req
		r.Trail = trails[i%len(trails)]
		if _, err := eng.Record(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	if !parallel {
		for i := 0; b.Loop(); i++ {
			record(b, i)
		}
		return
	}
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			record(b, i)
		}
	})
}

// BenchmarkRecordMemoryHash measures recording one hashed entry into the
// in-memory store.
func BenchmarkRecordMemoryHash(b *testing.B) {
	b.Run("serial", func(b *testing.B) { benchRecord(b, core.IntegrityHash, false) })
	b.Run("parallel", func(b *testing.B) { benchRecord(b, core.IntegrityHash, true) })
}

// BenchmarkRecordMemoryChain measures recording one chained entry into the
// in-memory store.
func BenchmarkRecordMemoryChain(b *testing.B) {
	b.Run("serial", func(b *testing.B) { benchRecord(b, core.IntegrityChain, false) })
	b.Run("parallel", func(b *testing.B) { benchRecord(b, core.IntegrityChain, true) })
}

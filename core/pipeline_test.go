package core

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// TestPipelineMatchesVerifier checks that the parallel pipeline reports
// exactly what the sequential verifier reports, on valid and damaged logs.
func TestPipelineMatchesVerifier(t *testing.T) {
	lines := chainLog(t, IntegrityChain, 700, "app:gate@a", "app:gate@b", "app:gate@c")
	damaged := append([][]byte(nil), lines...)
	damaged[10] = edit(damaged[10], `"ALLOW"`, `"BLOCK"`)
	damaged = append(damaged[:500], damaged[501:]...)
	damaged[900] = []byte("not json\n")
	for name, log := range map[string][][]byte{"valid": lines, "damaged": damaged} {
		seq := verifyLines(log, VerifyOptions{})
		v := NewVerifier(VerifyOptions{})
		p := v.Pipeline(3)
		for i, l := range log {
			p.Add(Location{Line: i + 1, Index: -1}, bytes.TrimSuffix(l, []byte("\n")))
		}
		p.AddPartial(Location{Line: len(log) + 1, Index: -1}, 5)
		p.AddBroken(Location{Line: len(log) + 2, Index: 3}, errors.New("broken array"))
		p.Close()
		par := v.Report()
		seqV := NewVerifier(VerifyOptions{})
		for i, l := range log {
			seqV.Add(Location{Line: i + 1, Index: -1}, bytes.TrimSuffix(l, []byte("\n")))
		}
		seqV.AddPartial(Location{Line: len(log) + 1, Index: -1}, 5)
		seqV.AddParsed(Location{Line: len(log) + 2, Index: 3}, nil,
			&EntryError{Kind: KindMalformed, Msg: "broken array"})
		want := seqV.Report()
		if !reflect.DeepEqual(par, want) {
			t.Errorf("%s: pipeline report differs from the sequential one:\n%+v\n%+v", name, par, want)
		}
		if name == "valid" && !seq.Valid() {
			t.Errorf("valid log reported invalid: %+v", seq.Problems)
		}
		if name == "damaged" && want.ProblemCount < 4 {
			t.Errorf("damaged log: %d problems, want at least 4", want.ProblemCount)
		}
	}
}

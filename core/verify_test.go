package core

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

func verifyLines(lines [][]byte, opts VerifyOptions) Report {
	v := NewVerifier(opts)
	for i, l := range lines {
		v.Add(Location{Line: i + 1, Index: -1}, bytes.TrimSuffix(l, []byte("\n")))
	}
	return v.Report()
}

// chainLog records n entries into each of the trails, interleaved, under
// the given integrity, and returns the stored lines.
func chainLog(t *testing.T, integrity IntegrityMode, n int, trails ...string) [][]byte {
	t.Helper()
	st := &memStore{}
	eng := &Engine{Store: st, Policies: policiesWith(integrity)}
	for i := 0; i < n; i++ {
		for _, tr := range trails {
			detail := []byte(fmt.Sprintf(`{"i":%d}`, i))
			if _, err := eng.Record(context.Background(), Request{Trail: mustTrail(t, tr),
				Verdict: Allow, Severity: Info, Detail: detail}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return st.lines
}

func edit(line []byte, old, new string) []byte {
	return []byte(strings.Replace(string(line), old, new, 1))
}

func TestVerifierCatches(t *testing.T) {
	const a, b = "app:gate@alice", "app:gate@bob"
	tests := []struct {
		name      string
		integrity IntegrityMode
		mutate    func(lines [][]byte) [][]byte
		opts      VerifyOptions
		wantLine  int
		wantKind  ProblemKind
	}{
		{"edited field", IntegrityHash, func(l [][]byte) [][]byte {
			l[2] = edit(l[2], `"ALLOW"`, `"BLOCK"`)
			return l
		}, VerifyOptions{}, 3, KindHashMismatch},
		{"deleted middle", IntegrityChain, func(l [][]byte) [][]byte {
			return append(l[:2:2], l[4:]...) // drops alice #1 and bob #1
		}, VerifyOptions{}, 3, KindSeqGap},
		{"deleted head", IntegrityChain, func(l [][]byte) [][]byte {
			return l[1:] // drops alice #0
		}, VerifyOptions{}, 2, KindHeadMissing},
		{"replayed line", IntegrityHash, func(l [][]byte) [][]byte {
			return append(l[:3:3], append([][]byte{l[2]}, l[3:]...)...)
		}, VerifyOptions{}, 4, KindSeqRepeat},
		{"reordered", IntegrityChain, func(l [][]byte) [][]byte {
			l[2], l[4] = l[4], l[2] // alice #1 and #2 swap
			return l
		}, VerifyOptions{}, 3, KindSeqGap},
		{"swapped back", IntegrityChain, func(l [][]byte) [][]byte {
			l[2], l[4] = l[4], l[2]
			return l
		}, VerifyOptions{}, 5, KindSeqBackwards},
		{"chain relinked", IntegrityChain, func(l [][]byte) [][]byte {
			l[4] = edit(l[4], hashAt(l[4], "prev_hash"), strings.Repeat("0", 64))
			return l
		}, VerifyOptions{}, 5, KindChainBreak},
		{"hash stripped", IntegrityHash, func(l [][]byte) [][]byte {
			l[2] = edit(l[2], `"entry_hash":"`+hashAt(l[2], "entry_hash")+`"`, `"entry_hash":null`)
			return l
		}, VerifyOptions{}, 3, KindDowngrade},
		{"link stripped", IntegrityChain, func(l [][]byte) [][]byte {
			l[4] = edit(l[4], `"prev_hash":"`+hashAt(l[4], "prev_hash")+`"`, `"prev_hash":null`)
			return l
		}, VerifyOptions{}, 5, KindHashMismatch},
		{"weaker than policy", IntegrityHash, nil,
			VerifyOptions{Policies: policiesWith(IntegrityChain)}, 3, KindPolicyWeaker},
		{"anchor sequence differs", IntegrityHash, nil,
			VerifyOptions{Anchors: map[string]Anchor{a: {Sequence: 5}}}, 1, KindHeadMissing},
		{"not JSON", IntegrityHash, func(l [][]byte) [][]byte {
			l[1] = []byte(`{"trail":`)
			return l
		}, VerifyOptions{}, 2, KindMalformed},
		{"duplicate key in detail", IntegrityHash, func(l [][]byte) [][]byte {
			l[1] = edit(l[1], `"detail":{"i":0}`, `"detail":{"i":0,"i":1}`)
			return l
		}, VerifyOptions{}, 2, KindDuplicateKey},
		{"duplicate top-level key", IntegrityHash, func(l [][]byte) [][]byte {
			l[1] = edit(l[1], `"verdict":"ALLOW"`, `"verdict":"ALLOW","verdict":"BLOCK"`)
			return l
		}, VerifyOptions{}, 2, KindDuplicateKey},
		{"missing field", IntegrityHash, func(l [][]byte) [][]byte {
			l[1] = edit(l[1], `"recorded_by":"",`, ``)
			return l
		}, VerifyOptions{}, 2, KindMissingField},
		{"unknown verdict", IntegrityHash, func(l [][]byte) [][]byte {
			l[1] = edit(l[1], `"ALLOW"`, `"MAYBE"`)
			return l
		}, VerifyOptions{}, 2, KindBadField},
		{"mistyped sequence", IntegrityHash, func(l [][]byte) [][]byte {
			l[1] = edit(l[1], `"sequence":0`, `"sequence":"0"`)
			return l
		}, VerifyOptions{}, 2, KindBadField},
		{"unknown field", IntegrityHash, func(l [][]byte) [][]byte {
			l[1] = edit(l[1], `"sequence":0`, `"sequence":0,"approved":true`)
			return l
		}, VerifyOptions{}, 2, KindUnknownField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := chainLog(t, tt.integrity, 3, a, b)
			if tt.mutate != nil {
				lines = tt.mutate(lines)
			}
			r := verifyLines(lines, tt.opts)
			if r.Valid() {
				t.Fatalf("verify = valid, want %s on line %d", tt.wantKind, tt.wantLine)
			}
			for _, p := range r.Problems {
				if p.Kind == tt.wantKind && p.Line == tt.wantLine {
					return
				}
			}
			t.Errorf("problems = %+v, want %s on line %d", r.Problems, tt.wantKind, tt.wantLine)
		})
	}
}

func TestVerifierAcceptsAnchoredStart(t *testing.T) {
	lines := chainLog(t, IntegrityChain, 4, "app:gate@alice")
	anchorHash := hashAt(lines[1], "entry_hash")
	r := verifyLines(lines[2:], VerifyOptions{Anchors: map[string]Anchor{
		"app:gate@alice": {Sequence: 2, PrevHash: anchorHash}}})
	if !r.Valid() {
		t.Errorf("anchored log problems = %+v, want none", r.Problems)
	}
	r = verifyLines(lines[2:], VerifyOptions{Anchors: map[string]Anchor{
		"app:gate@alice": {Sequence: 2, PrevHash: strings.Repeat("a", 64)}}})
	if r.Valid() || r.Problems[0].Kind != KindChainBreak {
		t.Errorf("wrong anchor hash: problems = %+v, want chain-break", r.Problems)
	}
}

// TestVerifierReportsAnchoredTrailMissing: an anchor says its trail exists
// from its sequence on, so a log that holds none of the trail's entries has
// lost it, once, however often the report is asked for.
func TestVerifierReportsAnchoredTrailMissing(t *testing.T) {
	lines := chainLog(t, IntegrityChain, 2, "app:gate@alice")
	v := NewVerifier(VerifyOptions{Anchors: map[string]Anchor{
		"app:gate@alice": {Sequence: 0}, "app:gate@bob": {Sequence: 5}}})
	for i, l := range lines {
		v.Add(Location{Line: i + 1, Index: -1}, l)
	}
	v.Report()
	r := v.Report()
	if r.ProblemCount != 1 || len(r.Problems) != 1 {
		t.Fatalf("problems = %+v, want one", r.Problems)
	}
	p := r.Problems[0]
	if p.Kind != KindHeadMissing || p.Trail != "app:gate@bob" || p.Sequence == nil ||
		*p.Sequence != 5 || p.Where() != "end of log" {
		t.Errorf("problem = %+v, want head-missing for app:gate@bob #5 at the end of the log", p)
	}
}

func TestVerifierReportsPartialLine(t *testing.T) {
	v := NewVerifier(VerifyOptions{})
	v.AddPartial(Location{Line: 7, Index: -1}, 12)
	r := v.Report()
	if r.Valid() || r.Problems[0].Kind != KindPartialLine || r.Problems[0].Line != 7 {
		t.Errorf("problems = %+v, want partial-line on line 7", r.Problems)
	}
}

func TestVerifierCapsKeptProblems(t *testing.T) {
	v := NewVerifier(VerifyOptions{MaxProblems: 3})
	for i := 1; i <= 10; i++ {
		v.Add(Location{Line: i, Index: -1}, []byte("not json"))
	}
	r := v.Report()
	if r.ProblemCount != 10 || len(r.Problems) != 3 {
		t.Errorf("ProblemCount = %d, kept %d, want 10 and 3", r.ProblemCount, len(r.Problems))
	}
}

// hashAt returns the 64-digit hash stored under key in a line.
func hashAt(line []byte, key string) string {
	s := string(line)
	i := strings.Index(s, `"`+key+`":"`)
	if i < 0 {
		return ""
	}
	start := i + len(key) + 4
	return s[start : start+64]
}

// FuzzVerifier feeds arbitrary lines after a valid log: the verifier must
// not panic and must count every line it was given.
func FuzzVerifier(f *testing.F) {
	f.Add([]byte(`{"trail":"a:b@c"}`))
	f.Add([]byte(`{"schema_version":"0.1.1","trail":"x:y@z","ts":1,"wall_ts":"2026-01-01T00:00:00+00:00",` +
		`"verdict":"ALLOW","severity":"INFO","gate_type":"g","gate_identity":"i","recorded_by":"r",` +
		`"reason":null,"detail":{},"entry_hash":null,"prev_hash":null,"sequence":0}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		v := NewVerifier(VerifyOptions{Policies: policiesWith(IntegrityChain)})
		v.Add(Location{Line: 1, Index: -1}, line)
		v.Add(Location{Line: 2, Index: -1}, line)
		r := v.Report()
		if r.Lines != 2 || r.Entries > 2 {
			t.Fatalf("Lines = %d, Entries = %d after two lines", r.Lines, r.Entries)
		}
		if r.Valid() != (r.ProblemCount == 0) || len(r.Problems) > r.ProblemCount {
			t.Fatalf("inconsistent report: %+v", r)
		}
	})
}

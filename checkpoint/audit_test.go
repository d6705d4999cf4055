package checkpoint

import (
	"bytes"
	"strings"
	"testing"

	"github.com/auditgate/auditgate/core"
	"golang.org/x/mod/sumdb/note"
)

// audit runs an Audit of cps over lines and returns the problem kinds and
// the notes.
func audit(t *testing.T, origin string, lines [][]byte, cps ...Named) ([]string, []string) {
	t.Helper()
	a := NewAudit(origin, cps)
	for _, l := range lines {
		if err := a.Add(l); err != nil {
			t.Fatal(err)
		}
	}
	problems, notes := a.Result()
	var kinds []string
	for _, p := range problems {
		kinds = append(kinds, string(p.Kind))
		if p.Source == "" || p.Line != 0 {
			t.Errorf("problem %+v: want a Source and no line", p)
		}
	}
	return kinds, notes
}

func TestAudit(t *testing.T) {
	s, v := testKey(t, "alice")
	lines := testLines(t, 30, "a:b@c", "d:e@f", "g:h@i")
	origin := "test.example/log"
	cp10 := Named{Name: "cp10", Signed: signedOf(t, lines[:10], nil, s, v)}
	cp20 := Named{Name: "cp20", Signed: signedOf(t, lines[:20], cp10.Signed, s, v)}

	// A forged chain: line 5 changed and every later entry of its trail
	// rehashed and relinked, so the chain rules find nothing.
	forged := forge(t, lines, 4)
	chain := core.NewVerifier(core.VerifyOptions{})
	for i, l := range forged {
		chain.Add(core.Location{Line: i + 1, Index: -1}, l)
	}
	if r := chain.Report(); !r.Valid() || bytes.Equal(forged[4], lines[4]) {
		t.Fatalf("the forged chain is not a valid forgery: %+v", r.Problems)
	}
	walled := append([][]byte{}, lines...)
	walled[6] = bytes.Replace(walled[6], []byte("16.561848"), []byte("16.561849"), 1)
	fork := Named{Name: "fork", Signed: signedOf(t, forged[:10], nil, s, v)}

	tests := []struct {
		name   string
		origin string
		lines  [][]byte
		cps    []Named
		kinds  []core.ProblemKind
		note   string
	}{
		{"log matches, more lines since", origin, lines, []Named{cp10}, nil,
			"lines 11 to 30 (20) are not yet covered"},
		{"log matches both", origin, lines, []Named{cp20, cp10}, nil, "lines 21 to 30"},
		{"exactly covered", origin, lines[:20], []Named{cp20}, nil, "first 20 lines are the ones"},
		{"newest lines deleted", origin, lines[:17], []Named{cp20},
			[]core.ProblemKind{KindTruncated}, ""},
		{"forged chain", origin, forged, []Named{cp10}, []core.ProblemKind{KindMismatch}, ""},
		{"unhashed field changed", origin, walled, []Named{cp10},
			[]core.ProblemKind{KindMismatch}, ""},
		{"change after the checkpoint", origin, walled, []Named{Named{Name: "cp5",
			Signed: signedOf(t, lines[:5], nil, s, v)}}, nil, "lines 6 to 30"},
		{"another log", "other.example/log", lines, []Named{cp10},
			[]core.ProblemKind{KindOrigin}, ""},
		{"forged old checkpoint", origin, lines, []Named{fork, cp20},
			[]core.ProblemKind{KindMismatch, KindInconsistent}, ""},
		{"unopened checkpoint", origin, lines, []Named{{Name: "bad",
			Err: errorf(KindSignature, "changed")}}, []core.ProblemKind{KindSignature}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kinds, notes := audit(t, tt.origin, tt.lines, tt.cps...)
			if strings.Join(kinds, " ") != joinKinds(tt.kinds) {
				t.Errorf("problems %v, want %v", kinds, tt.kinds)
			}
			if tt.note != "" && !strings.Contains(strings.Join(notes, "\n"), tt.note) {
				t.Errorf("notes %q, want one holding %q", notes, tt.note)
			}
		})
	}
}

func joinKinds(kinds []core.ProblemKind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, " ")
}

// forge changes line i and rehashes and relinks every later entry of its
// trail, as someone who can rewrite the file would.
func forge(t *testing.T, lines [][]byte, i int) [][]byte {
	t.Helper()
	var p core.Parser
	out := append([][]byte{}, lines[:i]...)
	var trail, prev string
	for j, l := range lines[i:] {
		e, err := p.ParseEntry(l)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case j == 0:
			trail = e.Trail
			e.Verdict = core.Block
		case e.Trail == trail:
			e.PrevHash = prev
		default:
			out = append(out, l)
			continue
		}
		e.EntryHash = e.ComputeHash()
		prev = e.EntryHash
		line := e.AppendLine(nil)
		out = append(out, line[:len(line)-1])
	}
	return out
}

func TestAuditNamesTheLogByItsFirstLine(t *testing.T) {
	s, v := testKey(t, "alice")
	lines := testLines(t, 8, "a:b@c")
	data, _, err := Make(newMemLog(t, lines), DefaultOrigin(lines[0]), nil, []note.Signer{s})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := Open(data, Verifiers([]note.Verifier{v}))
	if err != nil {
		t.Fatal(err)
	}
	if kinds, _ := audit(t, "", lines, Named{Name: "cp", Signed: cp}); kinds != nil {
		t.Errorf("same log: problems %v, want none", kinds)
	}
	other := testLines(t, 8, "x:y@z")
	if kinds, _ := audit(t, "", other, Named{Name: "cp", Signed: cp}); len(kinds) != 1 ||
		kinds[0] != string(KindOrigin) {
		t.Errorf("another log: problems %v, want %s", kinds, KindOrigin)
	}
}

func TestAuditFindsSignedHeadsThatAreNotTheLogs(t *testing.T) {
	s, v := testKey(t, "alice")
	lines := testLines(t, 6, "a:b@c")
	c := &Checkpoint{Origin: "o.example", Size: 6}
	log := newMemLog(t, lines)
	c.Root, _ = log.tree.Root(6)
	c.Heads = []Head{{Trail: "a:b@c", Sequence: 4}} // the log's head is #5
	data, err := Sign(c, s)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := Open(data, Verifiers([]note.Verifier{v}))
	if err != nil {
		t.Fatal(err)
	}
	kinds, _ := audit(t, "o.example", lines, Named{Name: "cp", Signed: cp})
	if len(kinds) != 1 || kinds[0] != string(KindMismatch) {
		t.Errorf("problems %v, want %s", kinds, KindMismatch)
	}
}

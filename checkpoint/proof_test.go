package checkpoint

import (
	"encoding/json"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestInclusionProofChecksOffline(t *testing.T) {
	s, v := testKey(t, "alice")
	lines := testLines(t, 21, "a:b@c", "d:e@f", "g:h@i")
	log := newMemLog(t, lines)
	cp := signedOf(t, lines, nil, s, v)
	keys := Verifiers([]note.Verifier{v})

	for _, index := range []int64{0, 7, 20} {
		trail := []string{"a:b@c", "d:e@f", "g:h@i"}[index%3]
		p, err := ProveInclusion(log.Hashes(), cp, index, lines[index], trail, index/3)
		if err != nil {
			t.Fatalf("ProveInclusion(%d): %v", index, err)
		}
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseInclusionProof(data)
		if err != nil {
			t.Fatalf("ParseInclusionProof: %v", err)
		}
		if _, err := got.Check(keys); err != nil {
			t.Errorf("Check() of the proof of line %d = %v", index+1, err)
		}
	}
}

func TestInclusionProofCatchesChanges(t *testing.T) {
	s, v := testKey(t, "alice")
	_, other := testKey(t, "mallory")
	lines := testLines(t, 9, "a:b@c")
	cp := signedOf(t, lines, nil, s, v)
	good, err := ProveInclusion(newMemLog(t, lines).Hashes(), cp, 4, lines[4], "a:b@c", 4)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(p *InclusionProof)
		keys   []note.Verifier
		kind   string
	}{
		{"another entry", func(p *InclusionProof) { p.Entry = string(lines[5]); p.Sequence = 5 },
			nil, string(KindProof)},
		{"another position", func(p *InclusionProof) { p.LeafIndex = 3 }, nil, string(KindProof)},
		{"position outside the tree", func(p *InclusionProof) { p.LeafIndex = 9 }, nil,
			string(KindProof)},
		{"trail and sequence not the entry's", func(p *InclusionProof) { p.Sequence = 3 }, nil,
			string(KindProof)},
		{"entry not an entry", func(p *InclusionProof) { p.Entry = "{}" }, nil, string(KindProof)},
		{"a proof hash", func(p *InclusionProof) { p.Proof[0][0] ^= 1 }, nil, string(KindProof)},
		{"tree size", func(p *InclusionProof) { p.TreeSize = 8 }, nil, string(KindProof)},
		{"checkpoint text", func(p *InclusionProof) {
			p.Checkpoint = "o" + p.Checkpoint[len("test.example/log"):]
		}, nil, string(KindSignature)},
		{"a key that did not sign", func(*InclusionProof) {}, []note.Verifier{other},
			string(KindUntrusted)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := *good
			p.Proof = append(p.Proof[:0:0], good.Proof...)
			tt.change(&p)
			keys := tt.keys
			if keys == nil {
				keys = []note.Verifier{v}
			}
			if _, err := p.Check(Verifiers(keys)); string(KindOf(err)) != tt.kind {
				t.Errorf("Check() = %v, want %s", err, tt.kind)
			}
		})
	}
}

func TestProveInclusionRefusesAChangedLog(t *testing.T) {
	s, v := testKey(t, "alice")
	lines := testLines(t, 6, "a:b@c")
	cp := signedOf(t, lines, nil, s, v)
	changed := append([][]byte{}, lines...)
	changed[1] = lines[2]
	if _, err := ProveInclusion(newMemLog(t, changed).Hashes(), cp, 3, lines[3], "a:b@c",
		3); KindOf(err) != KindMismatch {
		t.Errorf("ProveInclusion(changed log) = %v, want %s", err, KindMismatch)
	}
	if _, err := ProveInclusion(newMemLog(t, lines).Hashes(), cp, 3, lines[2], "a:b@c",
		2); KindOf(err) != KindMismatch {
		t.Errorf("ProveInclusion(line 3 at position 4) = %v, want %s", err, KindMismatch)
	}
}

func TestParseInclusionProofIsStrict(t *testing.T) {
	for _, doc := range []string{
		`{"trail":"a:b@c","trail":"a:b@c"}`,
		`{"trail":"a:b@c","extra":1}`,
		`[1]`,
		`{"trail":"a:b@c"} {}`,
	} {
		if _, err := ParseInclusionProof([]byte(doc)); KindOf(err) != KindMalformed {
			t.Errorf("ParseInclusionProof(%s) = %v, want %s", doc, err, KindMalformed)
		}
	}
}

func TestEntryMatcher(t *testing.T) {
	lines := testLines(t, 6, "a:b@c", "a:b@c d", `a:b@"q"`)
	tests := []struct {
		trail string
		seq   int64
		want  []int
	}{
		{"a:b@c", 1, []int{3}},
		{"a:b@c d", 1, []int{4}},
		{`a:b@"q"`, 1, []int{5}},
		{`a:b@"q"`, 0, []int{2}},
		{"a:b@c", 2, nil},
	}
	for _, tt := range tests {
		match := EntryMatcher(tt.trail, tt.seq)
		var got []int
		for i, l := range lines {
			if match(l) {
				got = append(got, i)
			}
		}
		if len(got) != len(tt.want) || (len(got) == 1 && got[0] != tt.want[0]) {
			t.Errorf("EntryMatcher(%q, %d) matches lines %v, want %v", tt.trail, tt.seq, got,
				tt.want)
		}
	}
}

package checkpoint

import (
	"bytes"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestMakeSinceProvesConsistency(t *testing.T) {
	s, v := testKey(t, "alice")
	lines := testLines(t, 40, "a:b@c", "d:e@f", "g:h@i")
	for _, sizes := range [][2]int{{1, 2}, {7, 8}, {8, 40}, {13, 40}, {40, 40}} {
		old := signedOf(t, lines[:sizes[0]], nil, s, v)
		newer := signedOf(t, lines[:sizes[1]], old, s, v)
		if newer.Proof == nil || newer.Proof.OldSize != int64(sizes[0]) {
			t.Fatalf("%d->%d: proof = %+v, want one from %d", sizes[0], sizes[1], newer.Proof,
				sizes[0])
		}
		if err := CheckConsistency(old, newer); err != nil {
			t.Errorf("%d->%d: CheckConsistency() = %v", sizes[0], sizes[1], err)
		}
	}
}

func TestMakeSinceRefusesALogThatDoesNotExtend(t *testing.T) {
	s, v := testKey(t, "alice")
	lines := testLines(t, 10, "a:b@c")
	old := signedOf(t, lines[:6], nil, s, v)

	forked := append([][]byte{}, lines...)
	forked[2] = bytes.Replace(forked[2], []byte("2026-12-04"), []byte("2026-12-05"), 1)
	tests := []struct {
		name  string
		lines [][]byte
		since *Signed
		kind  string
	}{
		{"a covered line changed", forked, old, string(KindMismatch)},
		{"lines deleted", lines[:5], old, string(KindTruncated)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, _, err := Make(newMemLog(t, tt.lines), "test.example/log", tt.since,
				[]note.Signer{s})
			if string(KindOf(err)) != tt.kind || data != nil {
				t.Fatalf("Make() = %d bytes, %v, want nothing and %s", len(data), err, tt.kind)
			}
		})
	}
	other := *old
	other.Origin = "other.example/log"
	if _, _, err := Make(newMemLog(t, lines), "test.example/log", &other,
		[]note.Signer{s}); KindOf(err) != KindOrigin {
		t.Errorf("Make(since another log's checkpoint) = %v, want %s", err, KindOrigin)
	}
}

func TestCheckConsistencyCatchesAFork(t *testing.T) {
	s, v := testKey(t, "alice")
	lines := testLines(t, 12, "a:b@c", "d:e@f")
	old := signedOf(t, lines[:5], nil, s, v)
	newer := signedOf(t, lines, old, s, v)

	forked := append([][]byte{}, lines[:5]...)
	forked[4] = append([]byte{}, lines[4]...)
	forked[4][len(forked[4])-2]++ // the sequence digit
	forgedOld := signedOf(t, forked, nil, s, v)
	if err := CheckConsistency(forgedOld, newer); KindOf(err) != KindInconsistent {
		t.Errorf("CheckConsistency(forged old, new) = %v, want %s", err, KindInconsistent)
	}
	sameSize := signedOf(t, forked, nil, s, v)
	if err := CheckConsistency(old, sameSize); KindOf(err) != KindInconsistent {
		t.Errorf("CheckConsistency(two roots for 5 lines) = %v, want %s", err, KindInconsistent)
	}
	unproven := signedOf(t, lines, nil, s, v)
	if err := CheckConsistency(old, unproven); KindOf(err) != KindInconsistent {
		t.Errorf("CheckConsistency(new without a proof) = %v, want %s", err, KindInconsistent)
	}
	if err := CheckConsistency(newer, old); KindOf(err) != KindInconsistent {
		t.Errorf("CheckConsistency(new, old) = %v, want %s", err, KindInconsistent)
	}
}

func TestConsistencyTextRoundTrip(t *testing.T) {
	s, v := testKey(t, "alice")
	lines := testLines(t, 9, "a:b@c")
	newer := signedOf(t, lines, signedOf(t, lines[:3], nil, s, v), s, v)
	text := newer.Proof.Text()
	if !bytes.HasPrefix(text, []byte("old 3\n")) || !bytes.HasSuffix(text, []byte("=\n\n")) {
		t.Fatalf("Text() = %q, want old 3, hashes and an empty line", text)
	}
	got, err := parseConsistency(string(text[:len(text)-1]))
	if err != nil || got.OldSize != 3 || len(got.Proof) != len(newer.Proof.Proof) {
		t.Fatalf("parseConsistency(Text()) = %+v, %v", got, err)
	}
	for _, bad := range []string{"old 03\n", "old x\n", "new 3\n", "old 3\nnot base64\n"} {
		if _, err := parseConsistency(bad); err == nil {
			t.Errorf("parseConsistency(%q): no error", bad)
		}
	}
}

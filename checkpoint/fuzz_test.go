package checkpoint

import (
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// FuzzParse checks that a checkpoint text is read back only in the one
// spelling Text writes: whatever Parse accepts, Text gives back unchanged.
func FuzzParse(f *testing.F) {
	root := "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
	f.Add("example.com/log\n3\n" + root + "\n")
	f.Add("o\n12\n" + root + "\nhead 4 null \"a:b@c d\"\nhead 0 " + strings.Repeat("0f", 32) +
		" \"x:y@\\u00e9\\ud800\"\n")
	f.Add("o\n1\n" + root + "\nhead 01 null \"a:b@c\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse(text)
		if err != nil {
			return
		}
		again, err := c.Text()
		if err != nil {
			t.Fatalf("Parse(%q) gave %+v, which Text refuses: %v", text, c, err)
		}
		if string(again) != text {
			t.Fatalf("Parse(%q).Text() = %q", text, again)
		}
	})
}

// FuzzOpen checks that any checkpoint file, proof or note, opens or fails
// with an *Error, never otherwise.
func FuzzOpen(f *testing.F) {
	s, v := testKey(f, "fuzz")
	lines := testLines(f, 5, "a:b@c")
	old := signedOf(f, lines[:2], nil, s, v)
	data, _, err := Make(newMemLog(f, lines), "test.example/log", old, []note.Signer{s})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("old 2\n\n"))
	f.Add([]byte(`{"trail":"a:b@c","sequence":0,"entry":"{}","proof":["AAAA"]}`))
	keys := Verifiers([]note.Verifier{v})
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Open(data, keys); err != nil && KindOf(err) == "" {
			t.Fatalf("Open(%q) = %v, not a checkpoint problem", data, err)
		}
		if p, err := ParseInclusionProof(data); err == nil {
			if _, err := p.Check(keys); err != nil && KindOf(err) == "" {
				t.Fatalf("Check(%q) = %v, not a checkpoint problem", data, err)
			}
		} else if KindOf(err) == "" {
			t.Fatalf("ParseInclusionProof(%q) = %v, not a checkpoint problem", data, err)
		}
	})
}

package checkpoint

import (
	"bytes"
	"crypto/rand"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestOpenChecksSignatures(t *testing.T) {
	lines := testLines(t, 5, "a:b@c", "d:e@f")
	alice, aliceV := testKey(t, "alice")
	bob, bobV := testKey(t, "bob")
	_, carolV := testKey(t, "carol")
	data, _, err := Make(newMemLog(t, lines), "test.example/log", nil, []note.Signer{alice, bob})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		data     []byte
		keys     []note.Verifier
		wantKind string // "" means it opens
		signedBy int
	}{
		{"cosigned, both keys", data, []note.Verifier{aliceV, bobV}, "", 2},
		{"rotated: only the new key given", data, []note.Verifier{bobV}, "", 1},
		{"rotated: only the old key given", data, []note.Verifier{aliceV}, "", 1},
		{"a key given twice", data, []note.Verifier{aliceV, aliceV}, "", 1},
		{"no key that signed", data, []note.Verifier{carolV}, string(KindUntrusted), 0},
		{"text changed", bytes.Replace(data, []byte("\n5\n"), []byte("\n4\n"), 1),
			[]note.Verifier{aliceV}, string(KindSignature), 0},
		{"not a note", []byte("hello\n"), []note.Verifier{aliceV}, string(KindMalformed), 0},
		{"note that is no checkpoint", mustSign(t, "hello\n", alice), []note.Verifier{aliceV},
			string(KindMalformed), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp, err := Open(tt.data, Verifiers(tt.keys))
			if got := string(KindOf(err)); got != tt.wantKind {
				t.Fatalf("Open() kind = %q (%v), want %q", got, err, tt.wantKind)
			}
			if err == nil && len(cp.SignedBy) != tt.signedBy {
				t.Errorf("Open() signed by %v, want %d keys", cp.SignedBy, tt.signedBy)
			}
		})
	}
}

func mustSign(t *testing.T, text string, s note.Signer) []byte {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestOpenUnverifiedReadsAnySignedCheckpoint(t *testing.T) {
	alice, _ := testKey(t, "alice")
	data, cp, err := Make(newMemLog(t, testLines(t, 3, "a:b@c")), "o.example", nil,
		[]note.Signer{alice})
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenUnverified(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != cp.Size || got.Root != cp.Root || len(got.SignedBy) != 0 {
		t.Errorf("OpenUnverified() = size %d root %s signed by %v, want size %d root %s, "+
			"unchecked", got.Size, got.Root, got.SignedBy, cp.Size, cp.Root)
	}
	if _, err := OpenUnverified([]byte("o\n1\n")); KindOf(err) != KindMalformed {
		t.Errorf("OpenUnverified(unsigned text) = %v, want %s", err, KindMalformed)
	}
}

func TestKeysAreCheckedAndSecretsNotQuoted(t *testing.T) {
	if _, err := NewSigner("PRIVATE+KEY+alice+00000000+secretstuff"); err == nil ||
		bytes.Contains([]byte(err.Error()), []byte("secretstuff")) {
		t.Errorf("NewSigner(bad key) error = %v, want one that does not quote the key", err)
	}
	if _, err := NewVerifier("alice+zz+AAAA"); err == nil {
		t.Error("NewVerifier(bad key): no error")
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSigner(skey + "\n"); err != nil {
		t.Errorf("NewSigner(key and newline, as keygen writes it) = %v", err)
	}
	if _, err := NewVerifier(" " + vkey + "\n"); err != nil {
		t.Errorf("NewVerifier(key with spaces around) = %v", err)
	}
	if _, err := NewSigner(vkey); err == nil {
		t.Error("NewSigner(a verifier key): no error")
	}
}

package checkpoint

import (
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func TestTextRoundTrip(t *testing.T) {
	c := &Checkpoint{Origin: "audit.example.com/prod", Size: 1200,
		Root: tlog.RecordHash([]byte("x")),
		Heads: []Head{
			{Trail: "a:b@c d\n\"e\"", Sequence: 3},
			{Trail: "billing:refund@user:42", Sequence: 41, EntryHash: strings.Repeat("9f", 32)},
			{Trail: "x:y@\u00e9\xed\xa0\x80", Sequence: 0, EntryHash: strings.Repeat("0a", 32)},
		}}
	text, err := c.Text()
	if err != nil {
		t.Fatal(err)
	}
	want := "audit.example.com/prod\n1200\n" + c.Root.String() + "\n" +
		`head 3 null "a:b@c d\n\"e\""` + "\n" +
		"head 41 " + strings.Repeat("9f", 32) + ` "billing:refund@user:42"` + "\n" +
		"head 0 " + strings.Repeat("0a", 32) + ` "x:y@\u00e9\ud800"` + "\n"
	if string(text) != want {
		t.Fatalf("Text() =\n%s\nwant\n%s", text, want)
	}
	got, err := Parse(string(text))
	if err != nil {
		t.Fatalf("Parse(Text()) error: %v", err)
	}
	again, _ := got.Text()
	if string(again) != want {
		t.Errorf("Parse(Text()).Text() =\n%s\nwant\n%s", again, want)
	}
}

func TestParseRejects(t *testing.T) {
	root := tlog.RecordHash([]byte("x")).String()
	hash := strings.Repeat("ab", 32)
	tests := []struct{ name, text string }{
		{"no final newline", "o\n1\n" + root},
		{"two lines", "o\n1\n"},
		{"empty origin", "\n1\n" + root + "\n"},
		{"origin with space", "a b\n1\n" + root + "\n"},
		{"origin with plus", "a+b\n1\n" + root + "\n"},
		{"leading zero", "o\n01\n" + root + "\n"},
		{"signed size", "o\n+1\n" + root + "\n"},
		{"negative size", "o\n-1\n" + root + "\n"},
		{"short root", "o\n1\nAAAA\n"},
		{"root not base64", "o\n1\n" + strings.Repeat("!", 44) + "\n"},
		{"blank line", "o\n1\n" + root + "\n\n"},
		{"unknown extension", "o\n1\n" + root + "\nnote hello\n"},
		{"head without trail", "o\n1\n" + root + "\nhead 1 " + hash + "\n"},
		{"head bad hash", "o\n1\n" + root + "\nhead 1 ABC \"a:b@c\"\n"},
		{"head bad trail", "o\n1\n" + root + "\nhead 1 null \"ab\"\n"},
		{"head trail not canonical", "o\n1\n" + root + "\nhead 1 null \"a:b@\\u0063\"\n"},
		{"head trail unquoted", "o\n1\n" + root + "\nhead 1 null a:b@c\n"},
		{"head seq leading zero", "o\n1\n" + root + "\nhead 01 null \"a:b@c\"\n"},
		{"heads out of order", "o\n1\n" + root + "\nhead 1 null \"b:b@c\"\nhead 1 null \"a:b@c\"\n"},
		{"head repeated", "o\n1\n" + root + "\nhead 1 null \"a:b@c\"\nhead 2 null \"a:b@c\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := Parse(tt.text); err == nil {
				t.Errorf("Parse(%q) = %+v, want an error", tt.text, c)
			}
		})
	}
}

func TestTextRejectsUnsortedHeads(t *testing.T) {
	c := &Checkpoint{Origin: "o", Size: 2, Heads: []Head{{Trail: "b:b@b"}, {Trail: "a:a@a"}}}
	if _, err := c.Text(); err == nil {
		t.Fatal("Text() with unsorted heads: no error")
	}
	SortHeads(c.Heads)
	if _, err := c.Text(); err != nil {
		t.Fatalf("Text() after SortHeads: %v", err)
	}
}

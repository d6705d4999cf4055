package core

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

type vector struct {
	Name      string  `json:"name"`
	Entry     string  `json:"entry"`
	PrevHash  *string `json:"prev_hash"`
	Canonical string  `json:"canonical"`
	EntryHash string  `json:"entry_hash"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	f, err := os.Open("../testdata/conformance/hash-vectors.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if len(vs) < 100 {
		t.Fatalf("read %d vectors, want the whole file", len(vs))
	}
	return vs
}

// TestHashVectors checks every vector written by the Python implementation.
func TestHashVectors(t *testing.T) {
	var p Parser
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			e, err := p.ParseEntryDefaults([]byte(v.Entry))
			if err != nil {
				t.Fatalf("ParseEntryDefaults(%s) error: %v", v.Entry, err)
			}
			if v.PrevHash != nil {
				e.PrevHash = *v.PrevHash
			}
			if got := string(e.Canonical(nil)); got != v.Canonical {
				t.Errorf("Canonical() = %s, want %s", got, v.Canonical)
			}
			if got := e.ComputeHash(); got != v.EntryHash {
				t.Errorf("ComputeHash() = %s, want %s", got, v.EntryHash)
			}
		})
	}
}

// TestCanonicalOfCanonical checks that each vector's canonical text is its
// own canonical form, which the stored line format relies on.
func TestCanonicalOfCanonical(t *testing.T) {
	for _, v := range loadVectors(t) {
		got, err := Canonical([]byte(v.Canonical))
		if err != nil {
			t.Fatalf("%s: Canonical(canonical) error: %v", v.Name, err)
		}
		if string(got) != v.Canonical {
			t.Errorf("%s: Canonical(canonical) = %s, want it unchanged", v.Name, got)
		}
		if strings.ContainsFunc(string(got), func(r rune) bool { return r > 0x7e }) {
			t.Errorf("%s: canonical text is not ASCII: %s", v.Name, got)
		}
	}
}

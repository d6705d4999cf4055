package store

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/auditgate/auditgate/core"
)

// TestTrails lists the store's trails from the heads index, and from the
// store itself when the index is missing or no longer describes it: the
// same trails either way.
func TestTrails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var want []string
	for i := range 30 {
		trail := fmt.Sprintf("t:s@user:%d", i%12)
		record(t, path, trail, core.IntegrityChain)
		if !slices.Contains(want, trail) {
			want = append(want, trail)
		}
	}
	slices.Sort(want)
	check := func(how string) {
		t.Helper()
		got, err := NewFile(path).Trails()
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: trails %v, want %v", how, got, want)
		}
	}
	check("from the index")
	ix := openTestIndex(t, path)
	if ix == nil {
		t.Fatal("no usable index")
	}
	fromIndex, err := ix.trails()
	ix.close()
	slices.Sort(fromIndex)
	if err != nil || !slices.Equal(fromIndex, want) {
		t.Errorf("the index's own trails: %v, %v; want %v", fromIndex, err, want)
	}

	// A line appended by another tool: the index no longer describes the
	// store, which is read instead.
	other := record(t, filepath.Join(t.TempDir(), "other.jsonl"), "n:s@p", core.IntegrityChain)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(other.AppendLine(nil))
	f.Close()
	want = append(want, "n:s@p")
	slices.Sort(want)
	check("from the store, the index stale")

	os.Remove(path + ".heads")
	check("from the store, no index")
}

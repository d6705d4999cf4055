package checkpoint

import (
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestFrontierRootsMatchFullTree grows a tree that keeps every hash and one
// that keeps only its frontier side by side: their roots agree at every
// size, and the frontier stays within one hash per level.
func TestFrontierRootsMatchFullTree(t *testing.T) {
	full := NewTree(&MemoryHashes{}, 0)
	frontier := NewFrontier()
	small := NewTree(frontier, 0)
	for i := 0; i < 1100; i++ {
		line := []byte(fmt.Sprintf("line %d", i))
		if err := full.Add(line); err != nil {
			t.Fatal(err)
		}
		if err := small.Add(line); err != nil {
			t.Fatal(err)
		}
		n := full.Size()
		want, err := full.Root(n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := small.Root(n)
		if err != nil {
			t.Fatalf("frontier Root(%d): %v", n, err)
		}
		if got != want {
			t.Fatalf("frontier Root(%d) = %s, want %s", n, got, want)
		}
		if len(frontier.hashes) > 12 {
			t.Fatalf("after %d leaves the frontier keeps %d hashes, want at most 12", n,
				len(frontier.hashes))
		}
	}
}

func TestTreeRootIsRFC6962(t *testing.T) {
	// Three leaves: root = H(1 || H(1 || l0 || l1) || l2), leaves H(0 || data).
	tree := NewTree(&MemoryHashes{}, 0)
	var leaves []tlog.Hash
	for _, s := range []string{"a", "b", "c"} {
		if err := tree.Add([]byte(s)); err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, tlog.RecordHash([]byte(s)))
	}
	want := tlog.NodeHash(tlog.NodeHash(leaves[0], leaves[1]), leaves[2])
	got, err := tree.Root(3)
	if err != nil || got != want {
		t.Fatalf("Root(3) = %s, %v, want %s", got, err, want)
	}
	if _, err := tree.Root(4); err == nil {
		t.Error("Root(4) of a 3-leaf tree: no error")
	}
}

func TestMemoryHashesAppendOutOfPlace(t *testing.T) {
	var m MemoryHashes
	if err := m.Append(1, []tlog.Hash{{}}); err == nil {
		t.Error("Append(1) to an empty store: no error")
	}
	if _, err := m.ReadHashes([]int64{0}); err == nil {
		t.Error("ReadHashes(0) of an empty store: no error")
	}
}

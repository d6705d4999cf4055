package checkpoint

import (
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Source is a log's tree and trail heads, as a checkpoint is made from
// them: Hashes holds the stored hashes of a tree of Size leaves, and Heads
// the newest entry of every trail among those lines.
type Source interface {
	Size() int64
	Hashes() tlog.HashReader
	Heads() []Head
}

// Make returns the checkpoint of every line of src under origin, signed by
// every signer. With since, the log must extend since (the same origin,
// at least as many lines, and the same root over since's lines): the
// returned file then begins with the consistency proof from since (see
// Consistency); a log that does not extend it gives an *Error and nothing
// is signed.
func Make(src Source, origin string, since *Signed, signers []note.Signer) ([]byte,
	*Checkpoint, error) {
	size := src.Size()
	root, err := tlog.TreeHash(size, src.Hashes())
	if err != nil {
		return nil, nil, fmt.Errorf("tree root: %w", err)
	}
	cp := &Checkpoint{Origin: origin, Size: size, Root: root, Heads: src.Heads()}

	var prefix []byte
	if since != nil {
		proof, err := extends(src, cp, since)
		if err != nil {
			return nil, nil, err
		}
		prefix = proof.Text()
	}
	signed, err := Sign(cp, signers...)
	if err != nil {
		return nil, nil, err
	}
	return append(prefix, signed...), cp, nil
}

// extends checks that the tree of cp, whose stored hashes src holds,
// extends since, and returns the consistency proof.
func extends(src Source, cp *Checkpoint, since *Signed) (*Consistency, error) {
	switch {
	case since.Origin != cp.Origin:
		return nil, errorf(KindOrigin, "the old checkpoint is for log %s, this log is %s",
			since.Origin, cp.Origin)
	case since.Size > cp.Size:
		return nil, errorf(KindTruncated, "the old checkpoint covers %d lines, the log has "+
			"only %d: lines were deleted since", since.Size, cp.Size)
	}
	old, err := tlog.TreeHash(since.Size, src.Hashes())
	if err != nil {
		return nil, fmt.Errorf("tree root at %d lines: %w", since.Size, err)
	}
	if old != since.Root {
		return nil, errorf(KindMismatch, "the log does not extend the old checkpoint: its "+
			"first %d lines hash to %s, the checkpoint says %s", since.Size, old, since.Root)
	}
	proof, err := ProveConsistency(src.Hashes(), cp.Size, since.Size)
	if err != nil {
		return nil, fmt.Errorf("consistency proof: %w", err)
	}
	if since.Size > 0 && since.Size < cp.Size {
		if err := tlog.CheckTree(proof.Proof, cp.Size, cp.Root, since.Size, since.Root); err != nil {
			return nil, fmt.Errorf("consistency proof does not check: %w", err)
		}
	}
	return proof, nil
}

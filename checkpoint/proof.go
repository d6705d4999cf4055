package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/auditgate/auditgate/core"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// InclusionProof shows that one stored entry is line LeafIndex+1 of the log
// a signed checkpoint covers, without the rest of the log: the entry's line
// hashes, through the Proof hashes, to the checkpoint's root (RFC 6962
// section 2.1.1). It is one JSON document with these fields, in this order.
type InclusionProof struct {
	Trail      string           `json:"trail"`
	Sequence   int64            `json:"sequence"`
	Entry      string           `json:"entry"`      // the stored line, without its newline
	LeafIndex  int64            `json:"leaf_index"` // 0-based: the entry is line LeafIndex+1
	TreeSize   int64            `json:"tree_size"`  // the checkpoint's size
	Proof      tlog.RecordProof `json:"proof"`      // base64 hashes, leaf to root
	Checkpoint string           `json:"checkpoint"` // the signed checkpoint note
}

// ProveInclusion returns the proof that line is leaf index of the tree of
// cp.Size leaves whose stored hashes are in r, and checks it against cp's
// root before returning it: hashes that do not lead to the root (a changed
// line, or stored hashes that do not match the log) give an *Error of kind
// KindMismatch.
func ProveInclusion(r tlog.HashReader, cp *Signed, index int64, line []byte,
	trail string, seq int64) (*InclusionProof, error) {
	root, err := tlog.TreeHash(cp.Size, r)
	if err != nil {
		return nil, err
	}
	if root != cp.Root {
		return nil, errorf(KindMismatch, "the log's first %d lines hash to %s, the "+
			"checkpoint says %s", cp.Size, root, cp.Root)
	}
	proof, err := tlog.ProveRecord(cp.Size, index, r)
	if err != nil {
		return nil, err
	}
	if err := tlog.CheckRecord(proof, cp.Size, cp.Root, index, tlog.RecordHash(line)); err != nil {
		return nil, errorf(KindMismatch, "line %d is not the line the checkpoint covers there",
			index+1)
	}
	return &InclusionProof{Trail: trail, Sequence: seq, Entry: string(line), LeafIndex: index,
		TreeSize: cp.Size, Proof: proof, Checkpoint: string(cp.Note)}, nil
}

// ParseInclusionProof reads an inclusion proof document strictly: no
// unknown field, no field twice, nothing after it. Every error is an
// *Error.
func ParseInclusionProof(data []byte) (*InclusionProof, error) {
	if _, err := core.Canonical(data); err != nil { // refuses duplicate keys
		return nil, errorf(KindMalformed, "not a proof document: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p InclusionProof
	if err := dec.Decode(&p); err != nil {
		return nil, errorf(KindMalformed, "not a proof document: %v", err)
	}
	return &p, nil
}

// Check checks the proof with nothing but itself and the keys: the
// checkpoint is signed by one of verifiers, the entry is a well-formed
// entry of the trail and sequence the proof names, and its line hashes,
// through the proof, to the checkpoint's root at the position the proof
// gives. It returns the checkpoint. Every error is an *Error.
func (p *InclusionProof) Check(verifiers note.Verifiers) (*Signed, error) {
	cp, err := Open([]byte(p.Checkpoint), verifiers)
	if err != nil {
		return nil, err
	}
	var parser core.Parser
	e, err := parser.ParseEntry([]byte(p.Entry))
	switch {
	case err != nil:
		return cp, errorf(KindProof, "the entry is not a well-formed entry: %v", err)
	case e.Trail != p.Trail || e.Sequence != p.Sequence:
		return cp, errorf(KindProof, "the entry is %s #%d, not %s #%d as the proof says",
			core.QuoteString(e.Trail), e.Sequence, core.QuoteString(p.Trail), p.Sequence)
	case p.TreeSize != cp.Size:
		return cp, errorf(KindProof, "the proof is for a tree of %d lines, the checkpoint "+
			"covers %d", p.TreeSize, cp.Size)
	case p.LeafIndex < 0 || p.LeafIndex >= cp.Size:
		return cp, errorf(KindProof, "leaf index %d is outside the %d lines the checkpoint "+
			"covers", p.LeafIndex, cp.Size)
	}
	leaf := tlog.RecordHash([]byte(p.Entry))
	if err := tlog.CheckRecord(p.Proof, cp.Size, cp.Root, p.LeafIndex, leaf); err != nil {
		return cp, &Error{Kind: KindProof, Err: errors.New("the entry's line does not hash, " +
			"through the proof, to the checkpoint's root at line " +
			strconv.FormatInt(p.LeafIndex+1, 10) + ": the entry, its position or the proof " +
			"was changed")}
	}
	return cp, nil
}

// EntryMatcher returns a test for the stored line of trail's entry seq
// that is cheap on the lines that cannot be it; a line that may be it is
// parsed to be sure. A plain trail (printable ASCII without quotes or
// backslashes) appears as it is in every spelling of a line that holds
// it; any other trail is found by parsing every line.
func EntryMatcher(trail string, seq int64) func(line []byte) bool {
	plain := string(core.AppendString(nil, trail)) == `"`+trail+`"`
	trailText := []byte(trail)
	seqText := []byte(strconv.FormatInt(seq, 10))
	var parser core.Parser
	return func(line []byte) bool {
		if (plain && !bytes.Contains(line, trailText)) || !bytes.Contains(line, seqText) {
			return false
		}
		e, err := parser.ParseEntry(line)
		return err == nil && e.Trail == trail && e.Sequence == seq
	}
}

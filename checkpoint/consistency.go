package checkpoint

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// oldPrefix starts a consistency proof.
const oldPrefix = "old "

// maxProofLines bounds a consistency proof: a tree of 2^63 leaves needs
// fewer hashes.
const maxProofLines = 63

// Consistency is a proof that a checkpoint's tree extends the tree of its
// first OldSize lines (RFC 6962 section 2.1.2). It is written before the
// checkpoint's note, in the layout of the C2SP tlog-witness add-checkpoint
// request:
//
//	old OLDSIZE
//	HASH            one line per proof hash, standard base64
//	(an empty line)
//	the checkpoint's signed note
//
// so the file that carries a new checkpoint also carries what a witness
// holding the old one needs. The note after the empty line is an ordinary
// signed checkpoint.
type Consistency struct {
	OldSize int64
	Proof   tlog.TreeProof
}

// Text returns the proof's lines, the empty line after them included.
func (c *Consistency) Text() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s%d\n", oldPrefix, c.OldSize)
	for _, h := range c.Proof {
		fmt.Fprintf(&b, "%s\n", h)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// parseConsistency reads the proof lines, each ended by a newline, without
// the empty line.
func parseConsistency(text string) (*Consistency, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	sizeText, ok := strings.CutPrefix(lines[0], oldPrefix)
	if !ok {
		return nil, fmt.Errorf("consistency proof: first line %q is not old SIZE", lines[0])
	}
	size, err := parseDecimal(sizeText)
	if err != nil {
		return nil, fmt.Errorf("consistency proof: old size %q: %w", sizeText, err)
	}
	if len(lines)-1 > maxProofLines {
		return nil, fmt.Errorf("consistency proof has %d hashes, more than %d",
			len(lines)-1, maxProofLines)
	}
	c := &Consistency{OldSize: size}
	for _, line := range lines[1:] {
		h, err := parseHash(line)
		if err != nil {
			return nil, fmt.Errorf("consistency proof hash %q: %w", line, err)
		}
		c.Proof = append(c.Proof, h)
	}
	return c, nil
}

// ProveConsistency returns the proof that the first newSize leaves of the
// tree whose stored hashes are in r extend its first oldSize leaves.
func ProveConsistency(r tlog.HashReader, newSize, oldSize int64) (*Consistency, error) {
	if oldSize == 0 {
		return &Consistency{}, nil
	}
	proof, err := tlog.ProveTree(newSize, oldSize, r)
	if err != nil {
		return nil, err
	}
	return &Consistency{OldSize: oldSize, Proof: proof}, nil
}

// CheckConsistency checks that newer extends older: the same log, and, by
// the consistency proof newer carries (or by equal roots when their sizes
// are equal), a tree whose first older.Size lines are older's. Every error
// is an *Error.
func CheckConsistency(older, newer *Signed) error {
	if older.Origin != newer.Origin {
		return errorf(KindOrigin, "the checkpoints name different logs (%s and %s)",
			older.Origin, newer.Origin)
	}
	if older.Size > newer.Size {
		return errorf(KindInconsistent, "the newer checkpoint covers %d lines, fewer than "+
			"the %d of the older one", newer.Size, older.Size)
	}
	if older.Size == newer.Size || older.Size == 0 {
		if older.Size > 0 && older.Root != newer.Root {
			return errorf(KindInconsistent, "both cover %d lines but have different roots: "+
				"the log was rewritten, or two versions of it were signed", older.Size)
		}
		return nil
	}
	p := newer.Proof
	if p == nil {
		return errorf(KindInconsistent, "the newer checkpoint carries no consistency proof "+
			"(write it with 'auditgate checkpoint --since OLD')")
	}
	if p.OldSize != older.Size {
		return errorf(KindInconsistent, "the newer checkpoint's consistency proof starts at "+
			"%d lines, not at the %d the older one covers", p.OldSize, older.Size)
	}
	if err := tlog.CheckTree(p.Proof, newer.Size, newer.Root, older.Size, older.Root); err != nil {
		return &Error{Kind: KindInconsistent, Err: errors.New("the newer checkpoint does not " +
			"extend the older one: its consistency proof fails; the lines the older one " +
			"covers were changed, or two versions of the log were signed")}
	}
	return nil
}

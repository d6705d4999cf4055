package checkpoint

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/auditgate/auditgate/core"
	"golang.org/x/mod/sumdb/note"
)

// The kinds of problem a checkpoint or a proof can have, as verify and
// verify-proof report them. The names are stable: scripts may match on them.
const (
	// KindMalformed: not a signed checkpoint, or not one auditgate wrote.
	KindMalformed core.ProblemKind = "checkpoint-malformed"
	// KindSignature: a signature by a given key does not verify: the
	// checkpoint's text or the signature was changed.
	KindSignature core.ProblemKind = "checkpoint-signature"
	// KindUntrusted: no signature by any of the given keys.
	KindUntrusted core.ProblemKind = "checkpoint-untrusted"
	// KindOrigin: the checkpoint names another log.
	KindOrigin core.ProblemKind = "checkpoint-origin"
	// KindTruncated: the log holds fewer lines than the checkpoint covers.
	KindTruncated core.ProblemKind = "checkpoint-truncated"
	// KindMismatch: the lines the checkpoint covers are not the lines it
	// signed: one was changed, inserted or removed.
	KindMismatch core.ProblemKind = "checkpoint-mismatch"
	// KindInconsistent: a newer checkpoint does not extend an older one.
	KindInconsistent core.ProblemKind = "checkpoint-inconsistent"
	// KindProof: an inclusion proof does not lead from its entry to the
	// checkpoint's root.
	KindProof core.ProblemKind = "proof-invalid"
)

// Error is a problem with a checkpoint or proof, with its kind.
type Error struct {
	Kind core.ProblemKind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func errorf(kind core.ProblemKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// KindOf returns the kind of a checkpoint problem, or "" for another error.
func KindOf(err error) core.ProblemKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// Sign returns the checkpoint as a note signed by every signer, in order.
func Sign(c *Checkpoint, signers ...note.Signer) ([]byte, error) {
	if len(signers) == 0 {
		return nil, errors.New("no signer key")
	}
	text, err := c.Text()
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: string(text)}, signers...)
}

// Signed is a checkpoint read from a file.
type Signed struct {
	Checkpoint
	Note []byte // the signed note as read, without any consistency proof
	// SignedBy names each given key whose signature verifies, as
	// name+hash (hex); empty when the signatures were not checked.
	SignedBy []string
	// Proof is the consistency proof written before the note, if any.
	Proof *Consistency
}

// Open reads a checkpoint file (a signed note, perhaps preceded by a
// consistency proof) and checks its signatures: at least one must be by a
// key in verifiers, and every signature by such a key must verify.
// Signatures by other keys are ignored, as the note format requires, so a
// key can be rotated and others can cosign. Every error is an *Error.
func Open(data []byte, verifiers note.Verifiers) (*Signed, error) {
	s, err := split(data)
	if err != nil {
		return nil, err
	}
	n, err := note.Open(s.Note, verifiers)
	var invalid *note.InvalidSignatureError
	var unverified *note.UnverifiedNoteError
	switch {
	case errors.As(err, &invalid):
		return nil, errorf(KindSignature, "the signature by %s+%08x does not verify: "+
			"the checkpoint or its signature was changed", invalid.Name, invalid.Hash)
	case errors.As(err, &unverified):
		return nil, errorf(KindUntrusted, "not signed by any key given (signed by %s)",
			signerNames(unverified.Note.UnverifiedSigs))
	case err != nil:
		return nil, errorf(KindMalformed, "not a signed note: %v", err)
	}
	if err := s.parse(n.Text); err != nil {
		return nil, err
	}
	for _, sig := range n.Sigs {
		s.SignedBy = append(s.SignedBy, fmt.Sprintf("%s+%08x", sig.Name, sig.Hash))
	}
	return s, nil
}

// OpenUnverified reads a checkpoint file as Open does without checking any
// signature, for a checkpoint whose statement is only a starting point
// that is checked again later (the old checkpoint a new one extends, the
// checkpoint a proof is made for).
func OpenUnverified(data []byte) (*Signed, error) {
	s, err := split(data)
	if err != nil {
		return nil, err
	}
	_, err = note.Open(s.Note, note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		return nil, errorf(KindMalformed, "not a signed note: %v", err)
	}
	if err := s.parse(unverified.Note.Text); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Signed) parse(text string) error {
	c, err := Parse(text)
	if err != nil {
		return &Error{Kind: KindMalformed, Err: err}
	}
	s.Checkpoint = *c
	if s.Proof != nil && s.Proof.OldSize > c.Size {
		return errorf(KindMalformed, "its consistency proof starts at %d lines, "+
			"more than the %d it covers", s.Proof.OldSize, c.Size)
	}
	return nil
}

// split separates the consistency proof, if any, from the note.
func split(data []byte) (*Signed, error) {
	if !bytes.HasPrefix(data, []byte(oldPrefix)) {
		return &Signed{Note: data}, nil
	}
	end := bytes.Index(data, []byte("\n\n"))
	if end < 0 {
		return nil, errorf(KindMalformed, "a consistency proof with no checkpoint after it")
	}
	proof, err := parseConsistency(string(data[:end+1]))
	if err != nil {
		return nil, &Error{Kind: KindMalformed, Err: err}
	}
	return &Signed{Note: data[end+2:], Proof: proof}, nil
}

func signerNames(sigs []note.Signature) string {
	if len(sigs) == 0 {
		return "no key at all"
	}
	names := make([]string, len(sigs))
	for i, sig := range sigs {
		names[i] = fmt.Sprintf("%s+%08x", sig.Name, sig.Hash)
	}
	return strings.Join(names, ", ")
}

// NewSigner reads a signer key in the note format,
// PRIVATE+KEY+name+hash+keydata, as keygen writes it; surrounding space
// is ignored. The error never quotes the key.
func NewSigner(text string) (note.Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(text))
	if err != nil {
		return nil, errors.New("not a signer key (want PRIVATE+KEY+name+hash+keydata)")
	}
	return s, nil
}

// NewVerifier reads a verifier key in the note format, name+hash+keydata;
// surrounding space is ignored.
func NewVerifier(text string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(text))
	if err != nil {
		return nil, fmt.Errorf("not a verifier key (want name+hash+keydata): %w", err)
	}
	return v, nil
}

// Verifiers returns the set of keys a checkpoint may be signed by: any one
// of them is enough. A key given twice counts once.
func Verifiers(keys []note.Verifier) note.Verifiers {
	seen := make(map[string]bool)
	var list []note.Verifier
	for _, k := range keys {
		id := fmt.Sprintf("%s+%08x", k.Name(), k.KeyHash())
		if !seen[id] {
			seen[id] = true
			list = append(list, k)
		}
	}
	return note.VerifierList(list...)
}

package cmd

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/auditgate/auditgate/checkpoint"
	"github.com/auditgate/auditgate/format"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"
)

type verifyProofOptions struct {
	keys   []string
	since  string
	origin string
}

func newVerifyProofCommand(g *globals) *cobra.Command {
	o := &verifyProofOptions{}
	c := &cobra.Command{
		Use:   "verify-proof FILE --key VERIFIER [--since OLD]",
		Short: "Check an inclusion proof or a checkpoint offline",
		Long: `Check a proof with nothing but the proof and the verifier keys: no store,
no tree files, no network.

FILE is either an inclusion proof printed by 'auditgate prove' or a
checkpoint. For an inclusion proof, verify-proof checks that its checkpoint
is signed by one of the keys, that its entry is a well-formed entry of the
trail and sequence it names, and that the entry's line hashes, through the
proof, to the checkpoint's root at the line the proof gives: so that entry,
byte for byte, is in the log the checkpoint signs.

For a checkpoint, it checks the signature, and with --since OLD (a
checkpoint signed by one of the keys too) that FILE extends OLD by the
consistency proof FILE carries ('auditgate checkpoint --since OLD' writes
it): the log was only appended to between the two. This is how a witness
that keeps the last checkpoint it saw follows a log without reading it.

--origin NAME also requires the checkpoint to name that log.

` + keyHelp + `

Prints one verdict line, or with -o json one JSON document.

Examples:
  auditgate verify-proof proof.json --key audit-prod.pub
  auditgate verify-proof cp-2.txt --since cp-1.txt --key audit-prod.pub
` + exitHelp,
		Args: exactArgs(1, "give the proof or checkpoint file"),
		RunE: func(c *cobra.Command, args []string) error {
			return runVerifyProof(c, g, o, args[0])
		},
	}
	f := c.Flags()
	f.StringArrayVar(&o.keys, "key", nil, "verifier key (NAME.pub or the key); repeatable")
	f.StringVar(&o.since, "since", "", "with a checkpoint FILE: the older checkpoint it must extend")
	f.StringVar(&o.origin, "origin", "", "the log the checkpoint must name")
	return c
}

func runVerifyProof(c *cobra.Command, g *globals, o *verifyProofOptions, path string) error {
	outFormat, err := g.outputFormat(c)
	if err != nil {
		return err
	}
	if len(o.keys) == 0 {
		return usageError(errors.New("no verifier key"),
			"give --key NAME.pub for each key that may have signed")
	}
	keys, err := readVerifiers(o.keys)
	if err != nil {
		return err
	}
	data, err := readCheckpointFile("proof", path)
	if err != nil {
		return err
	}
	var old []byte
	if o.since != "" {
		if old, err = readCheckpointFile("checkpoint", o.since); err != nil {
			return err
		}
		if len(bytes.TrimSpace(old)) == 0 {
			return usageError(fmt.Errorf("--since %s is empty", o.since),
				"give the older checkpoint ('auditgate checkpoint' writes one)")
		}
	}

	if len(bytes.TrimSpace(data)) == 0 {
		return usageError(fmt.Errorf("%s is empty", path), "give an inclusion proof "+
			"('auditgate prove' writes one) or a checkpoint ('auditgate checkpoint')")
	}
	isProof := bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{"))
	if isProof && old != nil {
		return usageErrorf("--since goes with a checkpoint FILE, and %s is an inclusion proof", path)
	}
	r := format.ProofReport{Path: path}
	var cp *checkpoint.Signed
	if isProof {
		cp, err = checkInclusion(&r, data, keys)
	} else {
		cp, err = checkExtension(&r, data, old, o.since, keys)
	}
	if cp != nil {
		r.Origin, r.TreeSize, r.SignedBy = cp.Origin, cp.Size, cp.SignedBy
		if err == nil && o.origin != "" && cp.Origin != o.origin {
			err = &checkpoint.Error{Kind: checkpoint.KindOrigin,
				Err: fmt.Errorf("the checkpoint is for log %s, not %s", cp.Origin, o.origin)}
		}
	}
	if err != nil {
		r.Kind, r.Message = checkpoint.KindOf(err), err.Error()
	}
	r.Valid = err == nil

	if !g.quiet {
		if outFormat == "json" {
			err = format.WriteProofReportJSON(g.Out, r)
		} else {
			err = format.WriteProofText(g.Out, r)
		}
		if err != nil {
			return err
		}
	}
	if !r.Valid {
		return silentExit(ExitFailure)
	}
	return nil
}

// checkInclusion checks an inclusion proof document.
func checkInclusion(r *format.ProofReport, data []byte, keys note.Verifiers) (*checkpoint.Signed,
	error) {
	p, err := checkpoint.ParseInclusionProof(data)
	if err != nil {
		return nil, err
	}
	seq := p.Sequence
	r.Trail, r.Sequence, r.Line = p.Trail, &seq, p.LeafIndex+1
	return p.Check(keys)
}

// checkExtension checks a checkpoint and, given an older one, that it
// extends it.
func checkExtension(r *format.ProofReport, data, old []byte, oldPath string,
	keys note.Verifiers) (*checkpoint.Signed, error) {
	cp, err := checkpoint.Open(data, keys)
	if err != nil || old == nil {
		return cp, err
	}
	older, err := checkpoint.Open(old, keys)
	if err != nil {
		return cp, fmt.Errorf("--since %s: %w", oldPath, err)
	}
	r.Since, r.SinceSize = oldPath, older.Size
	return cp, checkpoint.CheckConsistency(older, cp)
}

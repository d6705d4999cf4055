package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/auditgate/auditgate/checkpoint"
	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/format"
	"github.com/auditgate/auditgate/store"
	"github.com/spf13/cobra"
)

type proveOptions struct {
	checkpoint string
}

func newProveCommand(g *globals) *cobra.Command {
	o := &proveOptions{}
	c := &cobra.Command{
		Use:   "prove TRAIL#SEQ --checkpoint FILE",
		Short: "Print a proof that one entry is in a checkpointed log",
		Long: `Print an inclusion proof: one JSON document holding the entry's stored
line, its position in the log (leaf_index, 0-based), the Merkle proof hashes
from it to the checkpoint's root, and the signed checkpoint itself. With it
an auditor can confirm that this entry, byte for byte, is in the log the
checkpoint signs, without seeing any other entry:

  auditgate verify-proof proof.json --key audit-prod.pub

The entry must be among the lines the checkpoint covers; the proof is
checked against the checkpoint's root before it is printed, so a store
whose covered lines changed gives no proof (exit 1). The checkpoint's
signature is not checked here; verify-proof checks it.

The document's fields: trail, sequence, entry (the line, without its
newline), leaf_index, tree_size, proof (base64 hashes, leaf to root, as
RFC 6962 section 2.1.1 orders them) and checkpoint (the note's text).

Example:
  auditgate prove 'billing:refund@user:42#17' --checkpoint cp-2.txt > proof.json
` + exitHelp,
		Args: exactArgs(1, "name the entry as TRAIL#SEQ, for example 'billing:refund@user:42#17'"),
		RunE: func(c *cobra.Command, args []string) error {
			return runProve(c, g, o, args[0])
		},
	}
	c.Flags().StringVar(&o.checkpoint, "checkpoint", "", "the checkpoint to prove against (required)")
	return c
}

func runProve(c *cobra.Command, g *globals, o *proveOptions, arg string) error {
	trail, seq, err := parseEntryRef(arg)
	if err != nil {
		return err
	}
	if o.checkpoint == "" {
		return usageError(errors.New("--checkpoint is required"),
			"make one with 'auditgate checkpoint --key NAME.key --out FILE'")
	}
	data, err := readCheckpointFile("checkpoint", o.checkpoint)
	if err != nil {
		return err
	}
	cp, err := checkpoint.OpenUnverified(data)
	if err != nil {
		return usageError(fmt.Errorf("checkpoint %s: %w", o.checkpoint, err))
	}
	cfg, err := g.loadConfig(c.Flags())
	if err != nil {
		return err
	}
	f := store.NewFile(cfg.store)
	tree, err := f.OpenTree()
	if err != nil {
		return readError(err)
	}
	defer tree.Close()
	if tree.Size() < cp.Size {
		return checkpointError(&checkpoint.Error{Kind: checkpoint.KindTruncated, Err: fmt.Errorf(
			"store %s has %d lines, the checkpoint covers %d: lines were deleted",
			f.Path(), tree.Size(), cp.Size)}, "run 'auditgate verify --checkpoint "+
			o.checkpoint+"'")
	}

	index, line, err := findEntry(f, trail, seq, cp.Size)
	if err != nil {
		return err
	}
	proof, err := checkpoint.ProveInclusion(tree.Hashes(), cp, index, line, trail, seq)
	if checkpoint.KindOf(err) == checkpoint.KindMismatch {
		// The tree files may be stale; the store itself decides.
		if err = tree.Rebuild(); err == nil {
			proof, err = checkpoint.ProveInclusion(tree.Hashes(), cp, index, line, trail, seq)
		}
	}
	if err != nil {
		return checkpointError(fmt.Errorf("store %s: %w", f.Path(), err),
			"run 'auditgate verify --checkpoint "+o.checkpoint+"' to see what changed")
	}
	return format.WriteProofJSON(g.Out, proof)
}

// parseEntryRef reads TRAIL#SEQ.
func parseEntryRef(arg string) (string, int64, error) {
	i := strings.LastIndexByte(arg, '#')
	bad := func(why string) error {
		return usageError(fmt.Errorf("%s: %s", arg, why),
			"name the entry as TRAIL#SEQ, for example 'billing:refund@user:42#17'")
	}
	if i < 0 {
		return "", 0, bad("no '#' before the sequence")
	}
	trail, err := core.ParseTrail(arg[:i])
	if err != nil {
		return "", 0, bad(err.Error())
	}
	seq, err := strconv.ParseInt(arg[i+1:], 10, 64)
	if err != nil || seq < 0 {
		return "", 0, bad("the sequence is not a whole number")
	}
	return trail.String(), seq, nil
}

// errStopScan ends a scan early.
var errStopScan = errors.New("stop")

// findEntry returns the position and line of trail's entry seq among the
// store's first size lines. An entry that is not there, or is there twice,
// cannot be proven.
func findEntry(f *store.File, trail string, seq, size int64) (int64, []byte, error) {
	// TODO: find the line through an index of each entry's position instead
	// of scanning, because prove now reads every covered line (0.3 s for
	// 1,000,000 entries).
	match := checkpoint.EntryMatcher(trail, seq)
	var found []int64
	var line []byte
	later := false // the entry is in the store, after what the checkpoint covers
	_, err := f.ScanLines(func(n int64, l []byte) error {
		if n > size {
			if match(l) {
				later = true
				return errStopScan
			}
			return nil
		}
		if match(l) {
			if found = append(found, n); len(found) == 1 {
				line = bytes.Clone(l)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return 0, nil, readError(err)
	}
	name := fmt.Sprintf("%s #%d", core.QuoteString(trail), seq)
	switch {
	case len(found) == 0 && later:
		return 0, nil, usageError(fmt.Errorf("entry %s is not among the %d lines the "+
			"checkpoint covers", name, size), "an entry recorded after the checkpoint needs a "+
			"newer one: run 'auditgate checkpoint'")
	case len(found) == 0:
		return 0, nil, usageError(fmt.Errorf("the store holds no entry %s", name),
			fmt.Sprintf("'auditgate query --trail %s --tail 1' shows the trail's newest entry",
				shellQuote(trail)))
	case len(found) > 1:
		return 0, nil, &exitError{code: ExitFailure, err: fmt.Errorf("entry %s is on lines %d "+
			"and %d: a replayed entry", name, found[0], found[1]), hints: []string{
			"run 'auditgate verify'"}}
	}
	return found[0] - 1, line, nil
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune(":@._/+-=,", r))
	}) < 0
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

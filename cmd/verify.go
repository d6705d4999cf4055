package cmd

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/format"
	"github.com/auditgate/auditgate/store"
	"github.com/spf13/cobra"
)

type verifyOptions struct {
	anchors     []string
	checkpoints checkpointFlags
}

func newVerifyCommand(g *globals) *cobra.Command {
	o := &verifyOptions{}
	c := &cobra.Command{
		Use:   "verify [FILE ...]",
		Short: "Check the integrity of a log",
		Long: `Check the integrity of a log: every hash, every chain link and every
sequence number, trail by trail, in file order.

With no FILE, verify reads the configured store. A FILE may hold JSON lines,
a JSON array of entries, or a single entry object; the form is detected from
the content. Each FILE is verified on its own.

Problems found (each named with its line, or array index, trail and sequence):
  hash-mismatch       entry_hash does not match the entry: a field was edited
  chain-break         prev_hash is not the previous entry's entry_hash
  head-missing        a trail does not start at sequence 0 with no link
                      (entries deleted from its head), unless --anchor says so
  sequence-gap, sequence-repeat, sequence-backwards
                      entries deleted, replayed or reordered
  downgrade           an unhashed entry after hashed ones, or an unchained
                      entry after chained ones
  policy-weaker       weaker than the trail's configured integrity (only when
                      a config or AUDITGATE_DEFAULTS_* sets a policy)
  malformed, duplicate-key, missing-field, bad-field, unknown-field
                      a line that is not a well-formed entry
  partial-line        an unterminated last line left by an interrupted write

Deleting the newest entries, or rewriting entries with every hash
recomputed, cannot be seen from inside a log: a checkpoint kept elsewhere
catches both.
` + verifyCheckpointHelp + `
Examples:
  auditgate verify
  auditgate verify export.json other.jsonl -o json
  auditgate verify --anchor 'billing:refund@user:42#1200:9f2c...'
  auditgate verify --checkpoint cp-1.txt --checkpoint cp-2.txt --key audit-prod.pub
` + exitHelp,
		RunE: func(c *cobra.Command, args []string) error {
			return runVerify(c, g, o, args)
		},
	}
	o.checkpoints.register(c)
	c.Flags().StringArrayVar(&o.anchors, "anchor", nil,
		"trusted start of a trail the log must hold: TRAIL#SEQ, or TRAIL#SEQ:HASH if chained")
	return c
}

func runVerify(c *cobra.Command, g *globals, o *verifyOptions, args []string) error {
	outFormat, err := g.outputFormat(c)
	if err != nil {
		return err
	}
	anchors, err := parseAnchors(o.anchors)
	if err != nil {
		return err
	}
	cfg, err := g.loadConfig(c.Flags())
	if err != nil {
		return err
	}
	opts := core.VerifyOptions{Anchors: anchors}
	if cfg.policySet {
		opts.Policies = cfg.policies
	}
	paths := cfg.logs(args)
	checks, err := o.checkpoints.prepare(cfg, paths)
	if err != nil {
		return err
	}

	var reports []format.FileReport
	var readErr error
	for _, path := range paths {
		rep, err := verifyFile(path, opts)
		if err == nil && checks != nil {
			err = checks.apply(path, &rep)
		}
		if err != nil {
			readErr = err
			break
		}
		reports = append(reports, rep)
		if outFormat != "json" && !g.quiet {
			if err := format.WriteVerifyText(g.Out, rep); err != nil {
				return err
			}
		}
	}
	if outFormat == "json" && !g.quiet {
		if err := format.WriteVerifyJSON(g.Out, reports); err != nil {
			return err
		}
	}
	if readErr != nil {
		return readError(readErr)
	}
	for _, r := range reports {
		if !r.Valid {
			return silentExit(ExitFailure)
		}
	}
	return nil
}

// verifyFile verifies one log; an error means it could not be read.
func verifyFile(path string, opts core.VerifyOptions) (format.FileReport, error) {
	rep, logFormat, err := store.Verify(store.NewFile(path), opts)
	if err != nil {
		return format.FileReport{}, err
	}
	return format.FileReport{Path: path, Format: string(logFormat), Valid: rep.Valid(),
		Report: rep}, nil
}

// parseAnchors reads --anchor TRAIL#SEQ[:HASH] values.
func parseAnchors(values []string) (map[string]core.Anchor, error) {
	anchors := make(map[string]core.Anchor)
	for _, val := range values {
		i := strings.LastIndexByte(val, '#')
		bad := func(why string) error {
			return usageError(fmt.Errorf("--anchor %s: %s", val, why),
				"write TRAIL#SEQ, or TRAIL#SEQ:HASH where HASH is the entry_hash "+
					"the trail's first entry links to")
		}
		if i < 0 {
			return nil, bad("no '#' before the sequence")
		}
		trail, err := core.ParseTrail(val[:i])
		if err != nil {
			return nil, bad(err.Error())
		}
		seqText, hash, _ := strings.Cut(val[i+1:], ":")
		seq, err := strconv.ParseInt(seqText, 10, 64)
		if err != nil || seq < 0 {
			return nil, bad("the sequence is not a whole number")
		}
		if hash != "" && !core.ValidHash(hash) {
			return nil, bad("the hash is not 64 lowercase hex digits")
		}
		if _, dup := anchors[trail.String()]; dup {
			return nil, bad("the trail has an anchor already")
		}
		anchors[trail.String()] = core.Anchor{Sequence: seq, PrevHash: hash}
	}
	return anchors, nil
}

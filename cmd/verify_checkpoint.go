package cmd

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/auditgate/auditgate/checkpoint"
	"github.com/auditgate/auditgate/format"
	"github.com/auditgate/auditgate/store"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"
)

// verifyCheckpointHelp is verify's help on checkpoints.
const verifyCheckpointHelp = `
Checkpoints (--checkpoint FILE, repeatable, with --key VERIFIER):
each checkpoint's signature is checked, then the log's lines themselves:
  checkpoint-malformed     not a signed checkpoint
  checkpoint-signature     a signature by a given key does not verify: the
                           checkpoint or its signature was changed
  checkpoint-untrusted     not signed by any key given
  checkpoint-origin        it names another log (see --origin)
  checkpoint-truncated     the log has fewer lines than it covers: the
                           newest entries were deleted
  checkpoint-mismatch      the lines it covers do not hash to its root: an
                           entry was changed, even with every hash
                           recomputed, or a line inserted or removed
  checkpoint-inconsistent  of two checkpoints, the newer does not extend
                           the older
Lines after the newest matching checkpoint are checked by the chain rules
alone and reported in a note as not yet covered. The log must be a
JSON-lines store. The log's name is --origin, else the config's
checkpoint.origin, else the name the store's first line gives it.

` + keyHelp + `
`

// checkpointFlags are verify's checkpoint flags.
type checkpointFlags struct {
	files  []string
	keys   []string
	origin string
}

func (o *checkpointFlags) register(c *cobra.Command) {
	f := c.Flags()
	f.StringArrayVar(&o.files, "checkpoint", nil, "a signed checkpoint the log must match; "+
		"repeat to check that each extends the one before")
	f.StringArrayVar(&o.keys, "key", nil, "with --checkpoint: a verifier key (NAME.pub or "+
		"the key) that may have signed; repeatable")
	f.StringVar(&o.origin, "origin", "", "with --checkpoint: the log's name "+
		"(default: checkpoint.origin, else from its first line)")
}

// checkpointCheck is the checkpoints read for verify, compared with a log
// while the chain rules check it.
type checkpointCheck struct {
	origin string
	cps    []checkpoint.Named
	path   string
	done   chan struct{}
	audit  *checkpoint.Audit
	err    error
}

// prepare reads the checkpoints and keys. It returns nil when no
// checkpoint was given.
func (o *checkpointFlags) prepare(cfg *config, paths []string) (*checkpointCheck, error) {
	switch {
	case len(o.files) == 0 && (len(o.keys) > 0 || o.origin != ""):
		return nil, usageError(errors.New("--key and --origin go with --checkpoint"))
	case len(o.files) == 0:
		return nil, nil
	case len(o.keys) == 0:
		return nil, usageError(errors.New("--checkpoint needs --key"),
			"give --key NAME.pub for each key that may have signed")
	case len(paths) > 1:
		return nil, usageError(errors.New("--checkpoint checks one log"),
			"verify the logs one at a time")
	}
	keys, err := readVerifiers(o.keys)
	if err != nil {
		return nil, err
	}
	cc := &checkpointCheck{origin: o.origin}
	if cc.origin == "" {
		cc.origin = cfg.checkpoint.origin
	}
	for _, path := range o.files {
		cc.cps = append(cc.cps, openNamed(path, keys))
	}
	if err := readErrOf(cc.cps); err != nil {
		return nil, err
	}
	cc.start(paths[0])
	return cc, nil
}

// start reads the log's lines into the audit on other goroutines.
//
// TODO: take the trail heads from the chain verifier's own parse instead of
// parsing every line a second time, because that doubles verify's work on
// a checkpointed log; the verifier's pipeline has no per-entry hook yet.
func (cc *checkpointCheck) start(path string) {
	cc.path, cc.done = path, make(chan struct{})
	cc.audit = checkpoint.NewAudit(cc.origin, cc.cps)
	go func() {
		defer close(cc.done)
		prep := checkpoint.NewPreparer(runtime.GOMAXPROCS(0), cc.audit.AddPrepared)
		_, err := store.NewFile(path).ScanLines(func(_ int64, line []byte) error {
			prep.Add(line)
			return nil
		})
		cc.err = errors.Join(err, prep.Close())
	}()
}

// openNamed opens one checkpoint file; a file that cannot be read is kept
// as a read error, one that is wrong as a checkpoint problem.
func openNamed(path string, keys note.Verifiers) checkpoint.Named {
	data, err := readCheckpointFile("checkpoint", path)
	if err != nil {
		return checkpoint.Named{Name: path, Err: err}
	}
	cp, err := checkpoint.Open(data, keys)
	return checkpoint.Named{Name: path, Signed: cp, Err: err}
}

// readErrOf returns the first checkpoint that could not be read at all.
func readErrOf(cps []checkpoint.Named) error {
	for _, c := range cps {
		if c.Err != nil && checkpoint.KindOf(c.Err) == "" {
			return c.Err
		}
	}
	return nil
}

// apply waits for the audit of the log at path and adds what it found to
// the log's report. An error means the log could not be read.
func (cc *checkpointCheck) apply(path string, rep *format.FileReport) error {
	<-cc.done
	if path != cc.path {
		panic("checkpoint audit of " + cc.path + " applied to " + path)
	}
	if rep.Format != string(store.FormatJSONL) && rep.Format != string(store.FormatEmpty) {
		return usageError(fmt.Errorf("%s is not JSON lines (%s format): checkpoints cover "+
			"the lines of a JSON-lines store", path, rep.Format))
	}
	if cc.err != nil {
		return cc.err
	}
	problems, notes := cc.audit.Result()
	rep.Problems = append(rep.Problems, problems...)
	rep.ProblemCount += len(problems)
	rep.Valid = rep.Valid && len(problems) == 0
	rep.Notes = append(rep.Notes, notes...)
	return nil
}

package cmd

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/auditgate/auditgate/core"
	"github.com/auditgate/auditgate/store"
)

// autoCheckpointHelp documents automatic checkpoints in record's help.
const autoCheckpointHelp = `
Automatic checkpoints: with the config's checkpoint.every_entries or
checkpoint.every set, record (and record --batch, after each group) signs a
checkpoint into checkpoint.dir once that many lines were added, or that
long has passed, since the last one, each carrying the consistency proof
from the one before (see 'auditgate checkpoint'). The entry is recorded
first: a checkpoint that cannot be made (an unreadable key, a store that no
longer extends the last checkpoint) is reported on stderr, even with
--quiet, and does not change the exit status. The next record tries again.
`

// autoCheckpoint writes the checkpoint the config's schedule asks for, if
// any, after record stored entries. The entries are recorded whatever
// happens here: a failure is reported on stderr and leaves the exit status
// alone.
func autoCheckpoint(g *globals, cfg *config) {
	if !cfg.checkpoint.schedule.Enabled() {
		return
	}
	path, err := writeDueCheckpoint(cfg, g.ErrOut, time.Now())
	if err != nil {
		fmt.Fprintf(g.ErrOut, "auditgate: error: automatic checkpoint into %s failed: %v\n",
			cfg.checkpoint.dir, err)
		fmt.Fprintln(g.ErrOut, "auditgate: hint: the entry is recorded; the next record "+
			"tries the checkpoint again ('auditgate checkpoint' makes one by hand)")
		for _, h := range hintsOf(err) {
			fmt.Fprintf(g.ErrOut, "auditgate: hint: %s\n", h)
		}
		return
	}
	if path != "" && !g.quiet && isTerminal(g.ErrOut) {
		fmt.Fprintf(g.ErrOut, "auditgate: checkpoint written to %s\n", path)
	}
}

// writeDueCheckpoint writes a checkpoint into the checkpoint directory if
// one is due, and returns its path ("" when none was due). The cheap check
// (the heads index's line count against the newest checkpoint's) runs
// first; the checkpoint itself is made under the directory's lock, after
// checking again against the tree.
func writeDueCheckpoint(cfg *config, warn io.Writer, now time.Time) (string, error) {
	c := cfg.checkpoint
	dir := store.NewCheckpointDir(c.dir)
	f := store.NewFile(cfg.store)
	_, size, written, ok, err := dir.Latest()
	if err != nil {
		return "", err
	}
	if lines, known := f.IndexedLines(); known && !c.schedule.Due(lines, size, written, ok, now) {
		return "", nil
	}

	release, err := dir.Lock()
	if err != nil {
		return "", err
	}
	defer release()
	latest, size, written, ok, err := dir.Latest()
	if err != nil {
		return "", err
	}
	tree, err := f.OpenTree()
	if err != nil {
		return "", err
	}
	defer tree.Close()
	if !c.schedule.Due(tree.Size(), size, written, ok, now) {
		return "", nil
	}
	var since []byte
	if ok {
		if since, err = os.ReadFile(latest); err != nil {
			return "", fmt.Errorf("read the newest checkpoint: %w", err)
		}
	}
	signers, err := readSigners(c.keys, warn)
	if err != nil {
		return "", err
	}
	data, cp, err := makeCheckpoint(f, tree, signers, c.origin, since, warn)
	if err != nil {
		return "", err
	}
	return dir.Add(cp.Size, data)
}

// anyRecorded reports whether any of a group's entries was stored.
func anyRecorded(decisions []core.Decision) bool {
	for _, d := range decisions {
		if d.Status == core.Recorded {
			return true
		}
	}
	return false
}

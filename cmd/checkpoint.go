package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/auditgate/auditgate/checkpoint"
	"github.com/auditgate/auditgate/store"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"
)

type checkpointOptions struct {
	keys   []string
	since  string
	out    string
	force  bool
	rehash bool
	origin string
}

func newCheckpointCommand(g *globals) *cobra.Command {
	o := &checkpointOptions{}
	c := &cobra.Command{
		Use:   "checkpoint --key SIGNER [--since OLD] [--out FILE]",
		Short: "Sign a checkpoint of the store, to keep elsewhere",
		Long: `Sign a checkpoint of the store: the number of its complete lines and the
root of the Merkle tree over them (each line a leaf, so every byte of every
entry is covered, wall_ts and recorded_by included), with the newest entry
of each trail. Keep it where the store's writer cannot change it: then
'auditgate verify --checkpoint' catches newest entries deleted and entries
rewritten with every hash recomputed, which a hash chain cannot.

The checkpoint is a signed note in the C2SP tlog-checkpoint format, printed
or written to --out FILE (which is not replaced without --force). Give
--key once per signer to have it cosigned. With no --key, the config's
checkpoint.key is used.

--since OLD first checks that the store extends the older checkpoint OLD
(the same origin, at least OLD's lines, and the same root over them) and
refuses to sign otherwise; the new checkpoint is then preceded by the
consistency proof from OLD, in the layout of a C2SP tlog-witness
add-checkpoint request: "old SIZE", the proof's hashes one per line, an
empty line. A witness holding OLD checks it with 'auditgate verify-proof NEW
--since OLD'. OLD's signature is not checked here; verify and verify-proof
check it.

The origin line names the log: --origin, else the config's
checkpoint.origin, else "auditgate/" and 16 hex digits of the SHA-256 of
the store's first line, which stay the same when the store is moved or
copied and differ between stores.

The tree's hashes are kept beside the store in <store>.tree and
<store>.tree-heads, rebuilt from the store when missing or stale, so a new
checkpoint reads only the lines added since the last one. The old lines are
taken as the tree files recorded them: a covered line changed in place
since is not seen, and the checkpoint signs the lines as they were (verify
--checkpoint then fails on the changed store). --rehash reads and hashes
every line again first, so such a change makes --since refuse to sign.

Examples:
  auditgate checkpoint --key audit-prod.key --out /mnt/worm/cp-1.txt
  auditgate checkpoint --key audit-prod.key --key witness.key \
      --since /mnt/worm/cp-1.txt --out /mnt/worm/cp-2.txt
` + exitHelp,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runCheckpoint(c, g, o)
		},
	}
	f := c.Flags()
	f.StringArrayVar(&o.keys, "key", nil, "signer key file (NAME.key); repeat to cosign")
	f.StringVar(&o.since, "since", "", "an older checkpoint the new one must extend")
	f.StringVar(&o.out, "out", "", "write the checkpoint to this file instead of stdout")
	f.BoolVar(&o.force, "force", false, "replace --out FILE if it exists")
	f.BoolVar(&o.rehash, "rehash", false, "hash every line of the store again instead of "+
		"trusting the tree files, so a covered line changed in place is caught")
	f.StringVar(&o.origin, "origin", "", "the log's name (default: checkpoint.origin, "+
		"else from its first line)")
	return c
}

func runCheckpoint(c *cobra.Command, g *globals, o *checkpointOptions) error {
	cfg, err := g.loadConfig(c.Flags())
	if err != nil {
		return err
	}
	keys := o.keys
	if len(keys) == 0 {
		keys = cfg.checkpoint.keys
	}
	if len(keys) == 0 {
		return usageError(errors.New("no signer key"),
			"give --key NAME.key, or set checkpoint.key in the config; "+
				"make a key pair with 'auditgate keygen NAME'")
	}
	signers, err := readSigners(keys, g.ErrOut)
	if err != nil {
		return err
	}
	if o.out != "" && !o.force {
		if _, err := os.Lstat(o.out); err == nil {
			return usageError(fmt.Errorf("--out %s exists", o.out),
				"give --force to replace it, or choose another file")
		}
	}
	var since []byte
	if o.since != "" {
		if since, err = readCheckpointFile("checkpoint", o.since); err != nil {
			return err
		}
	}
	origin := o.origin
	if origin == "" {
		origin = cfg.checkpoint.origin
	}

	f := store.NewFile(cfg.store)
	tree, err := f.OpenTree()
	if err != nil {
		return readError(err)
	}
	defer tree.Close()
	if o.rehash {
		if err := tree.Rebuild(); err != nil {
			return readError(err)
		}
	}
	data, cp, err := makeCheckpoint(f, tree, signers, origin, since, g.ErrOut)
	if err != nil {
		return err
	}
	if o.out == "" {
		_, err := g.Out.Write(data)
		return err
	}
	if err := writeOut(o.out, data, o.force); err != nil {
		return err
	}
	if g.output == "text" || (g.output == "" && !g.quiet && isTerminal(g.Out)) {
		fmt.Fprintf(g.Out, "checkpoint of %d lines of %s written to %s\n", cp.Size, cp.Origin,
			o.out)
	}
	return nil
}

// makeCheckpoint signs the checkpoint of every line the store's tree
// covers under origin ("" for the store's default name); since, when not
// nil, is an older checkpoint's file, which the store must extend.
func makeCheckpoint(f *store.File, tree *store.Tree, signers []note.Signer, origin string,
	since []byte, warn io.Writer) ([]byte, *checkpoint.Checkpoint, error) {
	var old *checkpoint.Signed
	if since != nil {
		var err error
		if old, err = checkpoint.OpenUnverified(since); err != nil {
			return nil, nil, usageError(fmt.Errorf("older checkpoint: %w", err))
		}
	}
	if tree.Size() == 0 {
		return nil, nil, usageError(fmt.Errorf("store %s has no complete line yet: "+
			"nothing to checkpoint", f.Path()), "record an entry first")
	}
	if bad := tree.FirstBad(); bad > 0 {
		fmt.Fprintf(warn, "auditgate: warning: store %s line %d is not a well-formed entry: "+
			"the checkpoint covers it, but it names no trail head; run 'auditgate verify'\n",
			f.Path(), bad)
	}
	origin, err := logOrigin(origin, tree)
	if err != nil {
		return nil, nil, err
	}
	data, cp, err := checkpoint.Make(tree, origin, old, signers)
	if err != nil {
		return nil, nil, checkpointError(fmt.Errorf("not signed: %w", err),
			"run 'auditgate verify --checkpoint OLD' to see what changed")
	}
	return data, cp, nil
}

// writeOut writes data to path through a flushed temporary file beside it,
// so a failure never leaves half a file; an existing path is replaced only
// with force.
func writeOut(path string, data []byte, force bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return usageError(fmt.Errorf("create %s: %w", path, unwrapPathErr(err)))
	}
	defer os.Remove(tmp.Name()) // after a rename, there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return finishExport(tmp, path, force)
}

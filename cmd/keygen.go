package cmd

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/auditgate/auditgate/checkpoint"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"
)

func newKeygenCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "keygen NAME",
		Short: "Make a key pair for signing checkpoints",
		Long: `Make an Ed25519 key pair for signing checkpoints, in the signed note
format: NAME.key holds the signer key (PRIVATE+KEY+NAME+hash+keydata),
readable by its owner only; NAME.pub holds the verifier key
(NAME+hash+keydata), which is also printed. Neither file is overwritten.

NAME is the key's name in every signature it makes: no spaces and no '+'.
The log's name (its origin) is a good one. The files are NAME.key and
NAME.pub relative to the current directory, so a NAME with '/' in it puts
them in that directory, which must exist.

Keep NAME.key where the log's writer cannot read it, if you can; give
NAME.pub to whoever verifies checkpoints ('auditgate verify --key').

Example:
  auditgate keygen audit-prod
` + exitHelp,
		Args: exactArgs(1, "name the key, for example: auditgate keygen audit-prod"),
		RunE: func(c *cobra.Command, args []string) error {
			return runKeygen(g, args[0])
		},
	}
}

func runKeygen(g *globals, name string) error {
	if err := checkpoint.CheckKeyName(name); err != nil {
		return usageError(err, "a key name holds no spaces and no '+'")
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return fmt.Errorf("generate key %s: %w", name, err)
	}
	private, public := name+".key", name+".pub"
	for _, path := range []string{private, public} {
		if _, err := os.Lstat(path); err == nil {
			return usageError(fmt.Errorf("%s exists", path),
				"choose another NAME, or move the old key away first")
		}
	}
	if err := writeNew(private, skey, 0o600); err != nil {
		return err
	}
	if err := writeNew(public, vkey, 0o644); err != nil {
		os.Remove(private)
		return err
	}
	if !g.quiet {
		fmt.Fprintln(g.Out, vkey)
	}
	return nil
}

// writeNew writes a key file that must not exist yet.
func writeNew(path, key string, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		return usageError(fmt.Errorf("%s exists", path), "choose another NAME")
	}
	if err != nil {
		return usageError(fmt.Errorf("create %s: %w", path, unwrapPathErr(err)))
	}
	_, err = f.WriteString(key + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

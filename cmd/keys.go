package cmd

import (
	"fmt"
	"io"
	"os"

	"github.com/auditgate/auditgate/checkpoint"
	"github.com/auditgate/auditgate/store"
	"golang.org/x/mod/sumdb/note"
)

// keyHelp explains the --key values of the commands that check signatures.
const keyHelp = `A VERIFIER is a verifier key file written by 'auditgate keygen' (NAME.pub),
or the key itself (name+hash+keydata). Give --key once per key: a checkpoint
signed by any one of them is trusted, so an old and a new key can both be
given while keys are rotated. Signatures by keys not given are ignored.`

// readSigners reads signer key files. A key file that others can read is
// used, with a warning on warn.
func readSigners(paths []string, warn io.Writer) ([]note.Signer, error) {
	var signers []note.Signer
	seen := map[string]string{} // key name and hash: the file it came from
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, usageError(fmt.Errorf("read signer key %s: %w", path, unwrapPathErr(err)),
				"make a key pair with 'auditgate keygen NAME'")
		}
		s, err := checkpoint.NewSigner(string(data))
		if err != nil {
			return nil, usageError(fmt.Errorf("signer key %s: %w", path, err),
				"give the NAME.key file 'auditgate keygen NAME' wrote, not NAME.pub")
		}
		if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(warn, "auditgate: warning: signer key %s can be read by others "+
				"(mode %04o); run: chmod 600 %s\n", path, info.Mode().Perm(), path)
		}
		id := fmt.Sprintf("%s+%08x", s.Name(), s.KeyHash())
		if first, ok := seen[id]; ok {
			return nil, usageError(fmt.Errorf("signer key %s is the key of %s again (%s)", path,
				first, id), "give each signer key once; a key signs a checkpoint once")
		}
		seen[id] = path
		signers = append(signers, s)
	}
	return signers, nil
}

// readVerifiers reads --key VERIFIER values: a key itself, or a file
// holding one.
func readVerifiers(values []string) (note.Verifiers, error) {
	var keys []note.Verifier
	for _, val := range values {
		if v, err := checkpoint.NewVerifier(val); err == nil {
			keys = append(keys, v)
			continue
		}
		data, err := os.ReadFile(val)
		if err != nil {
			return nil, usageError(fmt.Errorf("--key %s: not a verifier key, and not a "+
				"readable file: %w", val, unwrapPathErr(err)),
				"give a NAME.pub file written by 'auditgate keygen', or its content")
		}
		v, err := checkpoint.NewVerifier(string(data))
		if err != nil {
			return nil, usageError(fmt.Errorf("verifier key %s: %w", val, err),
				"give the NAME.pub file 'auditgate keygen NAME' wrote")
		}
		keys = append(keys, v)
	}
	return checkpoint.Verifiers(keys), nil
}

// readCheckpointFile reads a checkpoint or proof file; failing to read it
// is a usage error.
func readCheckpointFile(what, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError(fmt.Errorf("read %s %s: %w", what, path, unwrapPathErr(err)))
	}
	return data, nil
}

// logOrigin returns the origin the log must have: the one given, else the
// log's default name, from its first line.
func logOrigin(given string, tree *store.Tree) (string, error) {
	if given != "" {
		if err := checkpoint.CheckOrigin(given); err != nil {
			return "", usageError(fmt.Errorf("origin: %w", err))
		}
		return given, nil
	}
	first, err := tree.FirstLine()
	if err != nil {
		return "", usageError(err)
	}
	return checkpoint.DefaultOrigin(first), nil
}

// checkpointError gives a checkpoint problem its exit status: 1 for what
// is wrong with the log or the checkpoint, as verify would report it.
func checkpointError(err error, hints ...string) error {
	if checkpoint.KindOf(err) != "" {
		return &exitError{code: ExitFailure, err: fmt.Errorf("%s: %w", checkpoint.KindOf(err), err),
			hints: hints}
	}
	return err
}

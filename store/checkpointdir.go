package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CheckpointDir is the directory record writes checkpoints into by itself:
// checkpoint-NNNNNNNNNNNN.txt holds the checkpoint of the store's first N
// lines (N in twelve digits or more, so names sort by size), each but the
// first preceded by the consistency proof from the one before; "latest"
// holds the name of the newest, and ".lock" keeps two writers from making
// the same checkpoint. One directory serves one store.
type CheckpointDir struct {
	path string
}

// NewCheckpointDir returns the checkpoint directory at path; nothing is
// created until the first checkpoint is added.
func NewCheckpointDir(path string) *CheckpointDir { return &CheckpointDir{path: path} }

var checkpointName = regexp.MustCompile(`^checkpoint-([0-9]{12,})\.txt$`)

// Latest returns the newest checkpoint's path, the number of lines it
// covers and when it was written; ok is false when there is none yet. A
// "latest" that names a missing or misnamed file is an error: a checkpoint
// was removed.
func (d *CheckpointDir) Latest() (path string, size int64, written time.Time, ok bool,
	err error) {
	data, err := os.ReadFile(filepath.Join(d.path, "latest"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", 0, time.Time{}, false, nil
	}
	if err != nil {
		return "", 0, time.Time{}, false, fmt.Errorf("read %s: %w",
			filepath.Join(d.path, "latest"), unwrapPath(err))
	}
	name := strings.TrimSpace(string(data))
	m := checkpointName.FindStringSubmatch(name)
	if m == nil {
		return "", 0, time.Time{}, false, fmt.Errorf("%s names %q, not a checkpoint file",
			filepath.Join(d.path, "latest"), name)
	}
	size, err = strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return "", 0, time.Time{}, false, fmt.Errorf("%s: %w", filepath.Join(d.path, "latest"), err)
	}
	path = filepath.Join(d.path, name)
	info, err := os.Stat(path)
	if err != nil {
		return "", 0, time.Time{}, false, fmt.Errorf("the newest checkpoint %s: %w", path,
			unwrapPath(err))
	}
	return path, size, info.ModTime(), true, nil
}

// Lock takes the directory's lock, creating the directory if needed, and
// returns its release.
func (d *CheckpointDir) Lock() (func(), error) {
	if err := os.MkdirAll(d.path, 0o755); err != nil {
		return nil, fmt.Errorf("create checkpoint directory %s: %w", d.path, unwrapPath(err))
	}
	f, err := os.OpenFile(filepath.Join(d.path, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock checkpoint directory %s: %w", d.path, unwrapPath(err))
	}
	if err := lockFile(f, true); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock checkpoint directory %s: %w", d.path, err)
	}
	return func() { unlockFile(f); f.Close() }, nil
}

// Add writes the checkpoint of size lines and makes it the latest, each
// file through a flushed temporary one, and returns its path.
func (d *CheckpointDir) Add(size int64, data []byte) (string, error) {
	name := fmt.Sprintf("checkpoint-%012d.txt", size)
	path := filepath.Join(d.path, name)
	if err := replaceFile(path, data); err != nil {
		return "", fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	if err := replaceFile(filepath.Join(d.path, "latest"), []byte(name+"\n")); err != nil {
		return "", fmt.Errorf("write %s: %w", filepath.Join(d.path, "latest"), err)
	}
	if err := syncDir(d.path); err != nil {
		return "", fmt.Errorf("flush checkpoint directory %s: %w", d.path, err)
	}
	return path, nil
}

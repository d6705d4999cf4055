//go:build !unix

package store

import (
	"errors"
	"os"
)

// TODO: locking on Windows (LockFileEx) is missing because no release
// targets Windows yet; without a lock, concurrent writers are unsafe.
var errNoLock = errors.New("file locking is not supported on this platform")

func lockFile(f *os.File, exclusive bool) error { return errNoLock }

func tryLockFile(f *os.File) (bool, error) { return false, errNoLock }

func unlockFile(f *os.File) error { return errNoLock }

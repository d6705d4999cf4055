//go:build unix

package store

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive (or shared) advisory lock on f, waiting for it.
// The lock belongs to the open file, so it also excludes other goroutines
// of this process that opened the store separately.
func lockFile(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}

// tryLockFile takes an exclusive lock on f if no one holds one, without
// waiting; ok reports whether it did.
func tryLockFile(f *os.File) (ok bool, err error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch err {
		case nil:
			return true, nil
		case syscall.EWOULDBLOCK:
			return false, nil
		case syscall.EINTR:
			continue
		}
		return false, err
	}
}

func unlockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}

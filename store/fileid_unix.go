//go:build unix

package store

import (
	"encoding/binary"
	"os"
	"syscall"
)

// fileID returns the device and inode numbers of an open file, which tell
// one file from another that holds the same bytes; zero when unknown.
func fileID(f *os.File) [16]byte {
	var id [16]byte
	info, err := f.Stat()
	if err != nil {
		return id
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		binary.BigEndian.PutUint64(id[:8], uint64(st.Dev))
		binary.BigEndian.PutUint64(id[8:], uint64(st.Ino))
	}
	return id
}

package store

import (
	"encoding/binary"
	"os"
	"syscall"
)

// fileID returns the device and inode numbers and the change time of an
// open file: together they tell one file from another that holds the same
// bytes, and this file from itself before something else wrote it. Zero
// when unknown.
func fileID(f *os.File) [24]byte {
	var id [24]byte
	info, err := f.Stat()
	if err != nil {
		return id
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		binary.BigEndian.PutUint64(id[:8], uint64(st.Dev))
		binary.BigEndian.PutUint64(id[8:16], uint64(st.Ino))
		binary.BigEndian.PutUint64(id[16:], uint64(st.Ctim.Nano()))
	}
	return id
}

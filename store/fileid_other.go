//go:build !linux

package store

import "os"

// fileID is unknown outside Linux: the heads index then tells files apart
// by their length and last line alone.
func fileID(*os.File) [24]byte { return [24]byte{} }

//go:build !unix

package store

import "os"

// fileID is unknown outside Unix: the heads index then tells files apart by
// their length and last line alone.
func fileID(*os.File) [16]byte { return [16]byte{} }

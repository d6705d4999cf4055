package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
)

// DefaultOrigin names a log that has not been given a name by its first
// line: "auditgate/" and the first 16 hex digits of the SHA-256 of that
// line's bytes. A log's first line never changes, and its wall_ts and
// content make it differ from every other log's, so the name stays the
// same when the log is moved or copied and differs between logs. A log
// whose first line was rewritten gets another name.
func DefaultOrigin(firstLine []byte) string {
	sum := sha256.Sum256(firstLine)
	return "auditgate/" + hex.EncodeToString(sum[:8])
}

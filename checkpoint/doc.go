// Package checkpoint holds auditgate's signed checkpoints and Merkle proofs,
// the record kept elsewhere that catches what a hash chain cannot: the
// newest entries deleted, or a whole trail rewritten with every hash
// recomputed.
//
// A log's lines are the leaves of an RFC 6962 Merkle tree, in file order:
// leaf i is the bytes of line i+1 without its newline, so every byte of an
// entry is covered, wall_ts and recorded_by included. Hashing, proofs and
// signatures are those of golang.org/x/mod/sumdb/tlog and
// golang.org/x/mod/sumdb/note; this package only arranges them.
//
// A checkpoint is a signed note (note.Sign) whose text is a C2SP
// tlog-checkpoint body: the origin that names the log, the number of lines
// covered, the base64 root hash, and one extension line per trail giving the
// trail's newest entry among those lines:
//
//	audit.example.com/prod
//	1200
//	CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//	head 41 9f2c...64 hex digits... "billing:refund@user:42"
//	head 7 null "sandbox:probe@global"
//
// See Checkpoint.Text for the exact rules. A checkpoint written with a
// consistency proof from an older one is preceded by that proof in the
// layout of the C2SP tlog-witness add-checkpoint request (see Consistency).
//
// The package does no I/O. A tree's stored hashes live behind HashStore,
// which package store implements with a file beside the log; everything
// read from a HashStore is checked against a signed root before it is
// believed.
package checkpoint

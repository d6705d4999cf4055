package checkpoint

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/auditgate/auditgate/core"
	"golang.org/x/mod/sumdb/tlog"
)

// Head is the newest entry of one trail among the lines a checkpoint covers.
type Head struct {
	Trail     string // the trail string as stored (WTF-8)
	Sequence  int64
	EntryHash string // 64 lowercase hex digits, or "" when the entry has none
}

// Checkpoint is what a checkpoint states: the first Size lines of the log
// named Origin have the Merkle tree root Root, and Heads are the newest
// entries of every trail among them.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Heads  []Head // sorted by trail, bytewise; one per trail
}

// headPrefix starts each extension line.
const headPrefix = "head "

// Text returns the checkpoint's note text, one line each, every line ended
// by a newline:
//
//	ORIGIN
//	SIZE                 decimal, no leading zeros
//	ROOT                 the root hash in standard base64
//	head SEQ HASH TRAIL  one per trail, sorted by trail
//
// In a head line SEQ is the entry's sequence in decimal, HASH its
// entry_hash or null, and TRAIL the trail string as canonical JSON text
// (ASCII only, as in the entry hash), so a trail holding spaces, quotes,
// newlines or any other character keeps the line unambiguous: the trail is
// everything after the second space. The text is ASCII apart from the
// origin, and holds no blank line and no control character.
func (c *Checkpoint) Text() ([]byte, error) {
	if err := CheckOrigin(c.Origin); err != nil {
		return nil, err
	}
	if c.Size < 0 {
		return nil, fmt.Errorf("negative tree size %d", c.Size)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n%d\n%s\n", c.Origin, c.Size, c.Root)
	for i, h := range c.Heads {
		if i > 0 && c.Heads[i-1].Trail >= h.Trail {
			return nil, fmt.Errorf("heads are not sorted by trail, or repeat one: %s",
				core.QuoteString(h.Trail))
		}
		if err := h.check(); err != nil {
			return nil, err
		}
		b.Write(h.appendLine(nil))
	}
	return b.Bytes(), nil
}

func (h Head) appendLine(dst []byte) []byte {
	dst = append(dst, headPrefix...)
	dst = strconv.AppendInt(dst, h.Sequence, 10)
	dst = append(dst, ' ')
	if h.EntryHash == "" {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, h.EntryHash...)
	}
	dst = append(dst, ' ')
	dst = core.AppendString(dst, h.Trail)
	return append(dst, '\n')
}

func (h Head) check() error {
	if _, err := core.ParseTrail(h.Trail); err != nil {
		return err
	}
	if h.Sequence < 0 {
		return fmt.Errorf("trail %s: negative sequence %d", core.QuoteString(h.Trail), h.Sequence)
	}
	if h.EntryHash != "" && !core.ValidHash(h.EntryHash) {
		return fmt.Errorf("trail %s: entry hash %q is not 64 lowercase hex digits",
			core.QuoteString(h.Trail), h.EntryHash)
	}
	return nil
}

// Parse reads a checkpoint's note text as Text writes it, and nothing
// else: a text that Text would not write exactly is refused, so one
// checkpoint has one spelling.
func Parse(text string) (*Checkpoint, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, errors.New("checkpoint text does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("checkpoint text has %d lines, want at least 3 "+
			"(origin, size, root hash)", len(lines))
	}
	c := &Checkpoint{Origin: lines[0]}
	if err := CheckOrigin(c.Origin); err != nil {
		return nil, err
	}
	size, err := parseDecimal(lines[1])
	if err != nil {
		return nil, fmt.Errorf("checkpoint size %q: %w", lines[1], err)
	}
	c.Size = size
	if c.Root, err = parseHash(lines[2]); err != nil {
		return nil, fmt.Errorf("checkpoint root hash %q: %w", lines[2], err)
	}
	for i, line := range lines[3:] {
		h, err := parseHead(line)
		if err != nil {
			return nil, fmt.Errorf("checkpoint line %d: %w", i+4, err)
		}
		if n := len(c.Heads); n > 0 && c.Heads[n-1].Trail >= h.Trail {
			return nil, fmt.Errorf("checkpoint line %d: trail %s is out of order or repeated",
				i+4, core.QuoteString(h.Trail))
		}
		c.Heads = append(c.Heads, h)
	}
	return c, nil
}

func parseHead(line string) (Head, error) {
	rest, ok := strings.CutPrefix(line, headPrefix)
	if !ok {
		return Head{}, fmt.Errorf("unknown extension line %q (want head SEQ HASH TRAIL)", line)
	}
	seqText, rest, ok1 := strings.Cut(rest, " ")
	hash, trailText, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		return Head{}, fmt.Errorf("head line %q: want head SEQ HASH TRAIL", line)
	}
	seq, err := parseDecimal(seqText)
	if err != nil {
		return Head{}, fmt.Errorf("head line %q: sequence: %w", line, err)
	}
	h := Head{Sequence: seq}
	if hash != "null" {
		h.EntryHash = hash
	}
	if h.Trail, err = core.DecodeString([]byte(trailText)); err != nil {
		return Head{}, fmt.Errorf("head line %q: trail: %w", line, err)
	}
	if err := h.check(); err != nil {
		return Head{}, fmt.Errorf("head line %q: %w", line, err)
	}
	if string(h.appendLine(nil)) != line+"\n" {
		return Head{}, fmt.Errorf("head line %q is not in canonical form", line)
	}
	return h, nil
}

// parseDecimal reads a non-negative decimal with no sign and no leading zero.
func parseDecimal(s string) (int64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errors.New("not a decimal number without leading zeros")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("number out of range")
	}
	return n, nil
}

// parseHash reads a hash in standard base64 with padding, and only that
// spelling of it.
func parseHash(s string) (tlog.Hash, error) {
	h, err := tlog.ParseHash(s)
	if err != nil {
		return tlog.Hash{}, err
	}
	if base64.StdEncoding.EncodeToString(h[:]) != s {
		return tlog.Hash{}, errors.New("not canonical base64")
	}
	return h, nil
}

// CheckOrigin checks that s can be a checkpoint's origin: a non-empty line
// of UTF-8 with neither spaces nor '+', as C2SP recommends (and as note key
// names require), for example audit.example.com/prod.
func CheckOrigin(s string) error { return checkName("origin", s) }

// CheckKeyName checks that s can name a signer key: non-empty UTF-8 with
// neither spaces nor '+', as signed notes require.
func CheckKeyName(s string) error { return checkName("key name", s) }

func checkName(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty %s", what)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s %q is not UTF-8", what, s)
	case strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '+'
	}):
		return fmt.Errorf("%s %q holds a space, a control character or '+'", what, s)
	}
	return nil
}

// SortHeads sorts heads by trail, as a checkpoint lists them.
func SortHeads(heads []Head) {
	slices.SortFunc(heads, func(a, b Head) int { return strings.Compare(a.Trail, b.Trail) })
}

package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/auditgate/auditgate/core"
)

// The heads index lets a writer find a trail's newest entry without reading
// the store: an open-addressing hash table in <store>.heads, looked up and
// updated in place, so recording costs the same whether the store holds ten
// trails or a million. It is a cache: the store stays the only source of
// truth, and an index that does not match the store is rebuilt from it.
//
// Layout, all integers big-endian:
//
//	header (136 bytes)
//	  0  magic "AGHEADS3"
//	  8  number of slots, a power of two
//	 16  slots in use
//	 24  store length the index describes
//	 32  number of lines in that length
//	 40  offset of the last line
//	 48  SHA-256 of the last line, newline included
//	 80  the store file's identity: device, inode and change time, as
//	     the index last saw them (zero where unknown)
//	104  SHA-256 of bytes 0-103
//	slots (96 bytes each), placed by the first 8 bytes of the key
//	  0  key: SHA-256 of the trail string
//	 32  sequence of the trail's newest entry
//	 40  its ts, as IEEE-754 bits
//	 48  flags: 1 in use, 2 has entry_hash, 4 has prev_hash
//	 49  the offset of that entry's line in the store, 7 bytes
//	 56  its entry_hash, 32 bytes
//	 88  the first 8 bytes of the SHA-256 of the slot's number (8 bytes)
//	     and bytes 0-87
//
// An empty slot is zeros with its checksum, so a slot zeroed by a bad disk
// is as damaged as one with a flipped bit, and a slot moved to another place
// fails too. A slot on a lookup's path that fails its checksum means the
// table itself is damaged: it is rebuilt from the store before any head is
// used, so damage to the index cannot put a wrong sequence or hash into the
// next entry. And a slot is only a pointer: a lookup reads the line it
// points to in the store and takes the head from that line, after checking
// that it is the trail's entry with the slot's sequence and hash; a slot
// that an older copy of the table brought back points to a line that is not
// the trail's newest, or says another sequence than the line, and makes the
// writer rebuild the index as well.
//
// An index whose header checksum fails, that was written for another file
// or for this one before something else changed it (its identity differs:
// a copy renamed over the store, or the store overwritten in place), whose
// length is beyond the store's, or whose last line is not the store's line
// at that offset is rebuilt.
//
// Slots are written and flushed before the header, so after a crash at any
// moment the header describes a length whose heads the slots hold, or an
// older length whose later lines catching up applies again.
type headIndex struct {
	f        *os.File
	slots    uint64
	used     uint64
	size     int64
	lines    int
	tailOff  int64
	tailHash [32]byte
	storeID  [24]byte    // the store file's fileID when the index last matched it
	store    io.ReaderAt // the store, whose lines the slots point to
	parser   core.Parser
	// header is the header as read or last written. A table that another
	// process rewrites under a writer (an old copy put back with cp, say)
	// changes it, since cp writes the header first; a lookup reads it
	// again after the slots it used, and a commit before it writes.
	header [indexHeaderSize]byte
}

// headerUnchanged reports whether the header on disk is still the one this
// index read or wrote.
func (ix *headIndex) headerUnchanged() bool {
	var h [indexHeaderSize]byte
	_, err := ix.f.ReadAt(h[:], 0)
	return err == nil && h == ix.header
}

// headAt is a trail's head and the offset of its line in the store.
type headAt struct {
	core.Head
	off int64
}

const (
	indexMagic      = "AGHEADS3"
	indexHeaderSize = 136
	indexSlotSize   = 96
	indexMinSlots   = 1024
	slotUsed        = 1
	slotHashed      = 2
	slotChained     = 4
)

func trailKey(trail string) [32]byte { return sha256.Sum256([]byte(trail)) }

// errIndexDamaged reports a slot that is neither empty nor intact.
var errIndexDamaged = errors.New("heads index is damaged")

// slotSum is the checksum slot number i keeps in its last 8 bytes.
func slotSum(buf []byte, i uint64) [8]byte {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], i)
	h.Write(n[:])
	h.Write(buf[:indexSlotSize-8])
	var sum [32]byte
	return [8]byte(h.Sum(sum[:0])[:8])
}

// sealSlot writes the checksum of slot number i into buf.
func sealSlot(buf []byte, i uint64) {
	sum := slotSum(buf, i)
	copy(buf[indexSlotSize-8:], sum[:])
}

// checkSlot reports whether buf, slot number i as read from the table, is
// in use, and errIndexDamaged when it is not intact.
func checkSlot(buf []byte, i uint64) (bool, error) {
	if slotSum(buf, i) != [8]byte(buf[indexSlotSize-8:]) {
		return false, errIndexDamaged
	}
	if buf[48]&slotUsed == 0 {
		for _, b := range buf[:indexSlotSize-8] {
			if b != 0 {
				return false, errIndexDamaged
			}
		}
		return false, nil
	}
	return true, nil
}

// openIndex opens the index at path. It returns nil, nil when there is no
// usable index; the caller rebuilds it.
func openIndex(path string) (*headIndex, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil
	}
	var h [indexHeaderSize]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		f.Close()
		return nil, nil
	}
	ix := &headIndex{f: f, header: h}
	if string(h[0:8]) != indexMagic || sha256.Sum256(h[:104]) != [32]byte(h[104:136]) {
		f.Close()
		return nil, nil
	}
	ix.slots = binary.BigEndian.Uint64(h[8:])
	ix.used = binary.BigEndian.Uint64(h[16:])
	ix.size = int64(binary.BigEndian.Uint64(h[24:]))
	ix.lines = int(binary.BigEndian.Uint64(h[32:]))
	ix.tailOff = int64(binary.BigEndian.Uint64(h[40:]))
	copy(ix.tailHash[:], h[48:80])
	copy(ix.storeID[:], h[80:104])
	info, err := f.Stat()
	if err != nil || ix.slots < indexMinSlots || ix.slots&(ix.slots-1) != 0 ||
		ix.used >= ix.slots || info.Size() < indexHeaderSize+int64(ix.slots)*indexSlotSize {
		f.Close()
		return nil, nil
	}
	return ix, nil
}

func (ix *headIndex) close() {
	if ix != nil && ix.f != nil {
		ix.f.Close()
	}
}

// matches reports whether the index describes a prefix of the store, the
// file whose fileID is id.
func (ix *headIndex) matches(store io.ReaderAt, size int64, id [24]byte) bool {
	if ix.size > size || ix.tailOff > ix.size || ix.size < 0 || ix.tailOff < 0 ||
		ix.storeID != id {
		return false
	}
	if ix.size == 0 {
		return ix.used == 0 && ix.tailHash == [32]byte{}
	}
	return prefixMatches(store, size, ix.size, ix.tailOff, ix.tailHash)
}

// prefixMatches reports whether a store of the given size begins with
// length bytes whose last line, newline included, starts at tailOff and
// has the SHA-256 tailHash: the check that a cache written for a store of
// that length still describes a prefix of this one.
func prefixMatches(store io.ReaderAt, size, length, tailOff int64, tailHash [32]byte) bool {
	if length > size || tailOff >= length || tailOff < 0 {
		return false
	}
	tail := make([]byte, length-tailOff)
	if _, err := store.ReadAt(tail, tailOff); err != nil {
		return false
	}
	return tail[len(tail)-1] == '\n' && sha256.Sum256(tail) == tailHash
}

// find returns the slot number holding key, or the empty slot where it
// belongs, and whether it was found. Every slot it passes is checked.
func (ix *headIndex) find(key [32]byte) (uint64, []byte, bool, error) {
	mask := ix.slots - 1
	buf := make([]byte, indexSlotSize)
	for i, n := binary.BigEndian.Uint64(key[:8])&mask, uint64(0); n < ix.slots; i, n = (i+1)&mask, n+1 {
		if _, err := ix.f.ReadAt(buf, indexHeaderSize+int64(i)*indexSlotSize); err != nil {
			// A table cut short under a lookup is damaged too.
			return 0, nil, false, fmt.Errorf("slot %d: %w: %v", i, errIndexDamaged, err)
		}
		used, err := checkSlot(buf, i)
		if err != nil {
			return 0, nil, false, fmt.Errorf("slot %d: %w", i, err)
		}
		if !used {
			return i, buf, false, nil
		}
		if bytes.Equal(buf[:32], key[:]) {
			return i, buf, true, nil
		}
	}
	return 0, nil, false, errors.New("heads index is full")
}

// lookup returns the head of trail, read from the line its slot points to.
func (ix *headIndex) lookup(trail string) (core.Head, bool, error) {
	_, buf, ok, err := ix.find(trailKey(trail))
	if err != nil || !ok {
		return core.Head{}, false, err
	}
	seq := int64(binary.BigEndian.Uint64(buf[32:]))
	var hash string
	if buf[48]&slotHashed != 0 {
		hash = fmt.Sprintf("%x", buf[56:88])
	}
	line, err := readLineAt(ix.store, slotOffset(buf), ix.size)
	if err != nil {
		return core.Head{}, false, fmt.Errorf("trail %s: %w: %v", trail, errIndexDamaged, err)
	}
	e, err := ix.parser.ParseEntry(line)
	if err != nil || e.Trail != trail || e.Sequence != seq || e.EntryHash != hash {
		return core.Head{}, false, fmt.Errorf("trail %s: %w: its slot does not point to its "+
			"newest entry", trail, errIndexDamaged)
	}
	if !ix.headerUnchanged() {
		return core.Head{}, false, fmt.Errorf("trail %s: %w: the table changed under the "+
			"lookup", trail, errIndexDamaged)
	}
	return core.HeadOf(e), true, nil
}

// slotOffset returns the offset in the store of the line a slot points to.
func slotOffset(slot []byte) int64 {
	var off [8]byte
	copy(off[1:], slot[49:56])
	return int64(binary.BigEndian.Uint64(off[:]))
}

// readLineAt reads the line that starts at off and ends, newline included,
// within the first limit bytes of store.
func readLineAt(store io.ReaderAt, off, limit int64) ([]byte, error) {
	if store == nil || off < 0 || off >= limit {
		return nil, errors.New("no line there")
	}
	buf := make([]byte, 0, 1024)
	for pos := off; pos < limit && len(buf) <= MaxLineBytes; {
		chunk := make([]byte, min(int64(max(cap(buf)-len(buf), 1024)), limit-pos))
		n, err := store.ReadAt(chunk, pos)
		if i := bytes.IndexByte(chunk[:n], '\n'); i >= 0 {
			return append(buf, chunk[:i]...), nil
		}
		buf = append(buf, chunk[:n]...)
		pos += int64(n)
		if err != nil {
			return nil, err
		}
	}
	return nil, errors.New("no whole line there")
}

// encodeSlot writes the head h of the trail whose key is key into buf, as
// slot number i.
func encodeSlot(buf []byte, key [32]byte, h headAt, i uint64) error {
	clear(buf)
	copy(buf, key[:])
	if h.off < 0 || h.off >= 1<<56 {
		return fmt.Errorf("line offset %d does not fit a slot", h.off)
	}
	var off [8]byte
	binary.BigEndian.PutUint64(off[:], uint64(h.off))
	copy(buf[49:56], off[1:])
	binary.BigEndian.PutUint64(buf[32:], uint64(h.Sequence))
	binary.BigEndian.PutUint64(buf[40:], math.Float64bits(h.TS))
	flags := byte(slotUsed)
	if h.EntryHash != "" {
		flags |= slotHashed
		if _, err := hexDecode(buf[56:88], h.EntryHash); err != nil {
			return err
		}
	}
	if h.Chained {
		flags |= slotChained
	}
	buf[48] = flags
	sealSlot(buf, i)
	return nil
}

func hexDecode(dst []byte, s string) (int, error) {
	if !core.ValidHash(s) {
		return 0, fmt.Errorf("bad entry hash %q", s)
	}
	for i := 0; i < len(dst); i++ {
		dst[i] = unhex(s[2*i])<<4 | unhex(s[2*i+1])
	}
	return len(dst), nil
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}

// commit stores heads and then the header describing a store of the given
// length whose last line starts at tailOff and has the given hash, and
// whose fileID is now id. It grows the table, by rewriting it, when it
// would be more than half full.
func (ix *headIndex) commit(path string, heads map[string]headAt, size int64, lines int,
	tailOff int64, tailHash [32]byte, id [24]byte) error {
	if !ix.headerUnchanged() {
		// Rewritten by someone else since it was read: adding this update's
		// slots to it would mix two tables under one header.
		return fmt.Errorf("%w: the table changed since it was read", errIndexDamaged)
	}
	buf := make([]byte, indexSlotSize)
	for trail, h := range heads {
		key := trailKey(trail)
		slot, _, found, err := ix.find(key)
		if err != nil {
			return err
		}
		if !found {
			if (ix.used+1)*2 > ix.slots {
				if err := ix.grow(path); err != nil {
					return err
				}
				if slot, _, _, err = ix.find(key); err != nil {
					return err
				}
			}
			ix.used++
		}
		if err := encodeSlot(buf, key, h, slot); err != nil {
			return err
		}
		if _, err := ix.f.WriteAt(buf, indexHeaderSize+int64(slot)*indexSlotSize); err != nil {
			return err
		}
	}
	if err := ix.f.Sync(); err != nil {
		return err
	}
	ix.size, ix.lines, ix.tailOff, ix.tailHash, ix.storeID = size, lines, tailOff, tailHash, id
	return ix.writeHeader()
}

func (ix *headIndex) writeHeader() error {
	var h [indexHeaderSize]byte
	copy(h[:], indexMagic)
	binary.BigEndian.PutUint64(h[8:], ix.slots)
	binary.BigEndian.PutUint64(h[16:], ix.used)
	binary.BigEndian.PutUint64(h[24:], uint64(ix.size))
	binary.BigEndian.PutUint64(h[32:], uint64(ix.lines))
	binary.BigEndian.PutUint64(h[40:], uint64(ix.tailOff))
	copy(h[48:80], ix.tailHash[:])
	copy(h[80:104], ix.storeID[:])
	sum := sha256.Sum256(h[:104])
	copy(h[104:136], sum[:])
	if _, err := ix.f.WriteAt(h[:], 0); err != nil {
		return err
	}
	ix.header = h
	return nil
}

// grow rewrites the table with twice the slots, keeping the header's store
// description, and replaces the index file with it.
func (ix *headIndex) grow(path string) error {
	bigger, err := createIndex(path, ix.slots*2)
	if err != nil {
		return err
	}
	buf := make([]byte, indexSlotSize)
	for i := uint64(0); i < ix.slots; i++ {
		if _, err := ix.f.ReadAt(buf, indexHeaderSize+int64(i)*indexSlotSize); err != nil {
			bigger.discard()
			return err
		}
		used, err := checkSlot(buf, i)
		if err != nil {
			bigger.discard()
			return fmt.Errorf("slot %d: %w", i, err)
		}
		if !used {
			continue
		}
		slot, _, _, err := bigger.find([32]byte(buf[:32]))
		if err == nil {
			sealSlot(buf, slot)
			_, err = bigger.f.WriteAt(buf, indexHeaderSize+int64(slot)*indexSlotSize)
		}
		if err != nil {
			bigger.discard()
			return err
		}
		bigger.used++
	}
	bigger.size, bigger.lines, bigger.tailOff, bigger.tailHash = ix.size, ix.lines, ix.tailOff,
		ix.tailHash
	bigger.storeID, bigger.store = ix.storeID, ix.store
	if err := bigger.install(path); err != nil {
		return err
	}
	ix.f.Close()
	*ix = *bigger
	return nil
}

// createIndex makes an empty table in a temporary file beside path.
func createIndex(path string, slots uint64) (*headIndex, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".heads-*")
	if err != nil {
		return nil, err
	}
	// Every slot starts empty, sealed with its own number.
	const batch = 1024
	buf := make([]byte, batch*indexSlotSize)
	for first := uint64(0); first < slots; first += batch {
		n := min(batch, slots-first)
		clear(buf)
		for i := range n {
			sealSlot(buf[i*indexSlotSize:(i+1)*indexSlotSize], first+i)
		}
		if _, err := f.WriteAt(buf[:n*indexSlotSize], indexHeaderSize+int64(first)*indexSlotSize); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
	}
	return &headIndex{f: f, slots: slots}, nil
}

// install writes the header, flushes the table and renames it to path.
func (ix *headIndex) install(path string) error {
	err := ix.writeHeader()
	if err == nil {
		err = ix.f.Sync()
	}
	if err == nil {
		err = os.Chmod(ix.f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(ix.f.Name(), path)
	}
	if err != nil {
		ix.discard()
	}
	return err
}

func (ix *headIndex) discard() {
	ix.f.Close()
	os.Remove(ix.f.Name())
}

// buildIndex installs a new index at path holding the heads scanned from
// the whole of store, the file whose fileID is id.
func buildIndex(path string, scan *indexScan, store io.ReaderAt, id [24]byte) (*headIndex,
	error) {
	slots := uint64(indexMinSlots)
	for uint64(len(scan.heads))*2 >= slots {
		slots *= 2
	}
	ix, err := createIndex(path, slots)
	if err != nil {
		return nil, err
	}
	ix.store = store
	if err := ix.commit(path, scan.heads, scan.size, scan.lines, scan.tailOff,
		scan.tailHash, id); err != nil {
		ix.discard()
		return nil, err
	}
	if err := ix.install(path); err != nil {
		return nil, err
	}
	return ix, nil
}

func (ix *headIndex) lineCount() int { return ix.lines }

// indexScan reads store lines into heads. It also serves as the heads of
// one update when no index file can be written.
type indexScan struct {
	heads    map[string]headAt
	size     int64
	lines    int
	tailOff  int64
	tailHash [32]byte
}

// read applies the store's lines from offset from to size; lines is the
// number of lines before from. A line that is not a valid entry makes the
// store unreadable for writing: its trail's head cannot be known.
func (sc *indexScan) read(store io.ReaderAt, from, size int64, lines int, storePath string) error {
	sc.size, sc.lines = from, lines
	if from >= size {
		return nil
	}
	lr := newLineReader(io.NewSectionReader(store, from, size-from))
	lr.line, lr.off = lines, from
	var p core.Parser
	for {
		line, _, start, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read store %s: %w", storePath, err)
		}
		e, err := p.ParseEntry(line)
		if err != nil {
			return fmt.Errorf("store %s line %d is not a valid entry (%v); "+
				"the trail heads cannot be known", storePath, lr.line, err)
		}
		sc.heads[e.Trail] = headAt{core.HeadOf(e), start}
		sc.tailOff = start
		sc.tailHash = sha256.Sum256(append(line, '\n'))
	}
	sc.size, sc.lines = lr.off, lr.line
	return nil
}

func (sc *indexScan) lookup(trail string) (core.Head, bool, error) {
	h, ok := sc.heads[trail]
	return h.Head, ok, nil
}

func (sc *indexScan) commit(string, map[string]headAt, int64, int, int64, [32]byte,
	[24]byte) error {
	return nil
}

func (sc *indexScan) lineCount() int { return sc.lines }

func (sc *indexScan) close() {}

package checkpoint

import (
	"maps"
	"slices"

	"github.com/auditgate/auditgate/core"
)

// Heads follows the newest entry of every trail through a log's lines, in
// order. A line that is not a well-formed entry names no trail and leaves
// the heads as they were; FirstBad remembers the first such line. Heads is
// not safe for concurrent use.
type Heads struct {
	heads    map[string]Head
	parser   core.Parser
	lines    int64
	firstBad int64
}

// NewHeads returns the heads after lines lines, given as list, of which
// line firstBad (1-based, 0 for none) was the first that is not an entry.
func NewHeads(list []Head, lines, firstBad int64) *Heads {
	h := &Heads{heads: make(map[string]Head, len(list)), lines: lines, firstBad: firstBad}
	for _, head := range list {
		h.heads[head.Trail] = head
	}
	return h
}

// Add reads the next line, without its newline.
func (h *Heads) Add(line []byte) {
	h.Put(prepare(&h.parser, line))
}

// Put takes the next line as prepared by a Preparer.
func (h *Heads) Put(p Prepared) {
	h.lines++
	if !p.Entry {
		if h.firstBad == 0 {
			h.firstBad = h.lines
		}
		return
	}
	h.heads[p.Head.Trail] = p.Head
}

// Lines returns the number of lines read.
func (h *Heads) Lines() int64 { return h.lines }

// FirstBad returns the 1-based number of the first line that is not a
// well-formed entry, or 0 when every line is one.
func (h *Heads) FirstBad() int64 { return h.firstBad }

// List returns the heads sorted by trail, as a checkpoint lists them.
func (h *Heads) List() []Head {
	list := slices.Collect(maps.Values(h.heads))
	SortHeads(list)
	return list
}

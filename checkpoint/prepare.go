package checkpoint

import (
	"github.com/auditgate/auditgate/core"
	"golang.org/x/mod/sumdb/tlog"
)

// Prepared is one line made ready for a tree and its heads: the line's
// record hash and, when the line is a well-formed entry, the head it
// leaves behind.
type Prepared struct {
	Leaf  tlog.Hash
	Head  Head
	Entry bool // the line is a well-formed entry and Head is set
}

// prepareChunk is how many lines a worker takes at once.
const prepareChunk = 512

// Preparer hashes and parses lines on several goroutines, the costly part
// of growing a tree and its heads, and hands the results to a function in
// the order the lines were added. Memory stays bounded: Add waits while
// too many lines are in flight. A Preparer is used by one goroutine.
type Preparer struct {
	fn      func(line []byte, p Prepared) error
	cur     *prepChunk
	work    chan *prepChunk
	ordered chan *prepChunk
	done    chan struct{}
	err     error
}

type prepChunk struct {
	buf   []byte
	ends  []int
	out   []Prepared
	ready chan struct{}
}

// NewPreparer starts workers goroutines that prepare lines for fn, which
// gets each line with what was prepared from it; the line is valid only
// during the call. An error from fn is returned by Close, and later lines
// are not given to fn.
func NewPreparer(workers int, fn func(line []byte, p Prepared) error) *Preparer {
	workers = max(workers, 1)
	p := &Preparer{fn: fn, work: make(chan *prepChunk, workers),
		ordered: make(chan *prepChunk, 2*workers), done: make(chan struct{})}
	for i := 0; i < workers; i++ {
		go p.worker()
	}
	go p.feed()
	return p
}

func (p *Preparer) worker() {
	var parser core.Parser
	for c := range p.work {
		c.out = make([]Prepared, len(c.ends))
		start := 0
		for i, end := range c.ends {
			c.out[i] = prepare(&parser, c.buf[start:end])
			start = end
		}
		close(c.ready)
	}
}

func (p *Preparer) feed() {
	defer close(p.done)
	for c := range p.ordered {
		<-c.ready
		start := 0
		for i, prep := range c.out {
			if p.err == nil {
				p.err = p.fn(c.buf[start:c.ends[i]], prep)
			}
			start = c.ends[i]
		}
	}
}

// Add queues one line, without its newline; the line is copied.
func (p *Preparer) Add(line []byte) {
	if p.cur == nil {
		p.cur = &prepChunk{buf: make([]byte, 0, 256<<10), ready: make(chan struct{})}
	}
	p.cur.buf = append(p.cur.buf, line...)
	p.cur.ends = append(p.cur.ends, len(p.cur.buf))
	if len(p.cur.ends) >= prepareChunk {
		p.flush()
	}
}

func (p *Preparer) flush() {
	if p.cur == nil {
		return
	}
	p.ordered <- p.cur
	p.work <- p.cur
	p.cur = nil
}

// Close waits until every line has reached fn and returns fn's first error.
func (p *Preparer) Close() error {
	p.flush()
	close(p.work)
	close(p.ordered)
	<-p.done
	return p.err
}

// prepare hashes and parses one line.
func prepare(parser *core.Parser, line []byte) Prepared {
	prep := Prepared{Leaf: tlog.RecordHash(line)}
	if e, err := parser.ParseEntry(line); err == nil {
		prep.Head = Head{Trail: e.Trail, Sequence: e.Sequence, EntryHash: e.EntryHash}
		prep.Entry = true
	}
	return prep
}

package core

// pipelineChunk is how many lines a pipeline worker takes at once.
const pipelineChunk = 512

// Pipeline feeds a Verifier from several goroutines: lines are parsed and
// hashed in parallel, then checked in file order. Memory stays bounded
// whatever the log's size: Add waits while too many lines are in flight.
// A Pipeline is used by one goroutine; Close must be called once.
type Pipeline struct {
	v       *Verifier
	cur     *chunk
	work    chan *chunk
	ordered chan *chunk
	done    chan struct{}
}

type chunkItem struct {
	loc        Location
	start, end int   // the line's bytes in the chunk's buffer
	partial    int   // the length of an unterminated last line, or 0
	broken     error // the input's structure is broken here
}

type chunk struct {
	items   []chunkItem
	buf     []byte
	results []checked
	ready   chan struct{}
}

// Pipeline returns a pipeline over v with the given number of workers.
func (v *Verifier) Pipeline(workers int) *Pipeline {
	workers = max(workers, 1)
	p := &Pipeline{v: v, work: make(chan *chunk, workers), ordered: make(chan *chunk, 2*workers),
		done: make(chan struct{})}
	for i := 0; i < workers; i++ {
		go p.worker()
	}
	go p.feed()
	return p
}

func (p *Pipeline) worker() {
	var parser Parser
	for c := range p.work {
		c.results = make([]checked, len(c.items))
		for i, it := range c.items {
			if it.partial > 0 || it.broken != nil {
				continue
			}
			c.results[i] = checkLine(&parser, it.loc, c.buf[it.start:it.end])
		}
		close(c.ready)
	}
}

// feed hands results to the verifier in the order the lines were added.
func (p *Pipeline) feed() {
	defer close(p.done)
	for c := range p.ordered {
		<-c.ready
		for i, it := range c.items {
			switch {
			case it.partial > 0:
				p.v.AddPartial(it.loc, it.partial)
			case it.broken != nil:
				p.v.addChecked(checked{loc: it.loc, err: &EntryError{Kind: KindMalformed,
					Msg: it.broken.Error()}})
			default:
				p.v.addChecked(c.results[i])
			}
		}
	}
}

func (p *Pipeline) add(it chunkItem, line []byte) {
	if p.cur == nil {
		p.cur = &chunk{buf: make([]byte, 0, 256<<10), ready: make(chan struct{})}
	}
	it.start = len(p.cur.buf)
	p.cur.buf = append(p.cur.buf, line...)
	it.end = len(p.cur.buf)
	p.cur.items = append(p.cur.items, it)
	if len(p.cur.items) >= pipelineChunk {
		p.flush()
	}
}

func (p *Pipeline) flush() {
	if p.cur == nil {
		return
	}
	p.ordered <- p.cur
	p.work <- p.cur
	p.cur = nil
}

// Add queues one stored line; the line is copied.
func (p *Pipeline) Add(loc Location, line []byte) { p.add(chunkItem{loc: loc}, line) }

// AddPartial queues an unterminated last line of n bytes.
func (p *Pipeline) AddPartial(loc Location, n int) {
	p.add(chunkItem{loc: loc, partial: max(n, 1)}, nil)
}

// AddBroken queues a place where the input's structure is broken.
func (p *Pipeline) AddBroken(loc Location, err error) {
	p.add(chunkItem{loc: loc, broken: err}, nil)
}

// Close waits until every queued line has reached the verifier.
func (p *Pipeline) Close() {
	p.flush()
	close(p.work)
	close(p.ordered)
	<-p.done
}

package core

import (
	"fmt"
	"sort"
)

// ProblemKind names one kind of integrity problem. The names are stable:
// scripts may match on them.
type ProblemKind string

// The kinds of problem the verifier reports.
const (
	KindMalformed    ProblemKind = "malformed"     // not a JSON object, or not JSON at all
	KindDuplicateKey ProblemKind = "duplicate-key" // a key twice in one object, at any depth
	KindMissingField ProblemKind = "missing-field"
	KindBadField     ProblemKind = "bad-field"     // wrong type, unknown verdict or severity, ...
	KindUnknownField ProblemKind = "unknown-field" // a field the format does not have
	KindPartialLine  ProblemKind = "partial-line"  // an unterminated last line
	KindHashMismatch ProblemKind = "hash-mismatch" // entry_hash does not match the content
	KindChainBreak   ProblemKind = "chain-break"   // prev_hash is not the previous entry_hash
	KindHeadMissing  ProblemKind = "head-missing"  // a trail does not start where it should
	KindSeqGap       ProblemKind = "sequence-gap"
	KindSeqRepeat    ProblemKind = "sequence-repeat"
	KindSeqBackwards ProblemKind = "sequence-backwards"
	KindDowngrade    ProblemKind = "downgrade"     // weaker protection after stronger
	KindPolicyWeaker ProblemKind = "policy-weaker" // weaker than the trail's configured policy
)

// Location says where an entry was read: a line of JSON lines, or an
// element of a JSON array (Index >= 0) starting on Line.
type Location struct {
	Line  int // 1-based line number
	Index int // 0-based array index, or -1 when the input is not an array
}

func (l Location) String() string {
	if l.Index >= 0 {
		return fmt.Sprintf("index %d (line %d)", l.Index, l.Line)
	}
	return fmt.Sprintf("line %d", l.Line)
}

// Problem is one integrity problem, with where it was found. A problem
// that is about no single line of the log (a checkpoint that does not match
// it, say) has Line 0 and names what it is about in Source.
type Problem struct {
	Line     int         `json:"line"`
	Index    *int        `json:"index,omitempty"`
	Source   string      `json:"source,omitempty"`
	Trail    string      `json:"trail,omitempty"`
	Sequence *int64      `json:"sequence,omitempty"`
	Kind     ProblemKind `json:"kind"`
	Message  string      `json:"message"`
}

// Where returns the problem's location as text.
func (p Problem) Where() string {
	if p.Source != "" {
		return p.Source
	}
	if p.Index != nil {
		return Location{Line: p.Line, Index: *p.Index}.String()
	}
	return Location{Line: p.Line, Index: -1}.String()
}

// TrailSummary describes one trail as the verifier saw it.
type TrailSummary struct {
	Trail     string `json:"trail"`
	Entries   int    `json:"entries"`
	FirstSeq  int64  `json:"first_sequence"`
	LastSeq   int64  `json:"last_sequence"`
	Integrity string `json:"integrity"` // none, hash, chain, or a range such as none..chain
	HeadHash  string `json:"head_hash,omitempty"`
	Problems  int    `json:"problems"`
}

// Anchor is a trusted statement of where a trail legitimately starts in a
// log, for logs whose older entries were removed on purpose: the sequence of
// its first entry and, for a chained trail, the entry_hash that entry links to.
type Anchor struct {
	Sequence int64
	PrevHash string
}

// VerifyOptions are the verifier's inputs beyond the log itself.
type VerifyOptions struct {
	// Policies, when set, makes an entry weaker than its trail's configured
	// integrity a problem.
	Policies *Policies
	// Anchors maps a trail string to where it starts.
	Anchors map[string]Anchor
	// MaxProblems caps how many problems are kept in the report; the rest
	// are counted. Zero means 1000.
	MaxProblems int
}

// Report is the verifier's verdict on one log.
type Report struct {
	Entries      int            `json:"entries"`
	Lines        int            `json:"lines"`
	Trails       []TrailSummary `json:"trails"`
	Problems     []Problem      `json:"problems"`
	ProblemCount int            `json:"problem_count"`
	Notes        []string       `json:"notes,omitempty"`
}

// Valid reports whether the log had no integrity problem.
func (r *Report) Valid() bool { return r.ProblemCount == 0 }

type trailState struct {
	summary  TrailSummary
	lastLine int
	hashed   bool // an entry with entry_hash was seen
	chained  bool // an entry with prev_hash was seen
	minInteg IntegrityMode
	maxInteg IntegrityMode
	policy   *Policy
	origin   string
}

// Verifier checks a log entry by entry, in file order. Within each trail it
// checks every hash, every link, every sequence number, that protection is
// never weakened, and, given policies, that no entry is weaker than its
// trail's policy. It is not safe for concurrent use.
type Verifier struct {
	opts   VerifyOptions
	parser Parser
	trails map[string]*trailState
	order  []string
	report Report
	ended  bool // Report has run the end-of-log checks
}

// NewVerifier returns a verifier for one log.
func NewVerifier(opts VerifyOptions) *Verifier {
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 1000
	}
	return &Verifier{opts: opts, trails: make(map[string]*trailState)}
}

// Add reads and checks one stored line.
func (v *Verifier) Add(loc Location, line []byte) {
	v.addChecked(checkLine(&v.parser, loc, line))
}

// AddParsed checks an entry that was parsed elsewhere (err is the parse
// error, if any). Entries must still be given in file order.
func (v *Verifier) AddParsed(loc Location, e *Entry, err error) {
	c := checked{loc: loc, entry: e, err: err}
	if err == nil && e.EntryHash != "" {
		c.hash = e.ComputeHash()
	}
	v.addChecked(c)
}

// checked is a line parsed and hashed, ready for the in-order checks. The
// parsing and hashing, the costly part, need no state, so they can run on
// many goroutines (see Pipeline).
type checked struct {
	loc   Location
	entry *Entry
	err   error
	hash  string // the entry's computed hash, when it has an entry_hash
}

func checkLine(p *Parser, loc Location, line []byte) checked {
	e, err := p.ParseEntry(line)
	c := checked{loc: loc, entry: e, err: err}
	if err == nil && e.EntryHash != "" {
		c.hash = e.ComputeHash()
	}
	return c
}

func (v *Verifier) addChecked(c checked) {
	v.report.Lines++
	if c.err != nil {
		kind := KindMalformed
		if ee, ok := c.err.(*EntryError); ok {
			kind = ee.Kind
		}
		v.problem(c.loc, "", nil, kind, c.err.Error())
		return
	}
	v.check(c.loc, c.entry, c.hash)
}

// AddPartial reports an unterminated last line of n bytes.
func (v *Verifier) AddPartial(loc Location, n int) {
	v.report.Lines++
	v.problem(loc, "", nil, KindPartialLine, fmt.Sprintf(
		"last line is incomplete (%d bytes, no newline): an interrupted write; "+
			"the next record sets it aside", n))
}

// Note adds a remark that does not make the log invalid.
func (v *Verifier) Note(msg string) {
	v.report.Notes = append(v.report.Notes, msg)
}

// problem records a problem and returns it, or nil when the report already
// holds MaxProblems and it is only counted.
func (v *Verifier) problem(loc Location, trail string, seq *int64, kind ProblemKind,
	msg string) *Problem {
	v.report.ProblemCount++
	if st := v.trails[trail]; st != nil {
		st.summary.Problems++
	}
	if len(v.report.Problems) >= v.opts.MaxProblems {
		return nil
	}
	p := Problem{Line: loc.Line, Trail: trail, Sequence: seq, Kind: kind, Message: msg}
	if loc.Index >= 0 {
		idx := loc.Index
		p.Index = &idx
	}
	v.report.Problems = append(v.report.Problems, p)
	return &v.report.Problems[len(v.report.Problems)-1]
}

func (v *Verifier) check(loc Location, e *Entry, computed string) {
	v.report.Entries++
	st := v.trails[e.Trail]
	first := st == nil
	if first {
		st = &trailState{summary: TrailSummary{Trail: e.Trail, FirstSeq: e.Sequence},
			minInteg: e.Integrity(), maxInteg: e.Integrity()}
		if v.opts.Policies != nil {
			p, origin := v.opts.Policies.Resolve(e.Trail)
			st.policy, st.origin = &p, origin
		}
		v.trails[e.Trail] = st
		v.order = append(v.order, e.Trail)
	}
	seq := e.Sequence
	report := func(kind ProblemKind, format string, args ...any) {
		v.problem(loc, e.Trail, &seq, kind, fmt.Sprintf(format, args...))
	}

	if e.EntryHash != "" && computed != e.EntryHash {
		report(KindHashMismatch, "entry_hash does not match the entry's content "+
			"(it hashes to %s): a hashed field was changed", computed)
	}

	if first {
		v.checkStart(e, report)
	} else {
		want := st.summary.LastSeq + 1
		switch {
		case seq == want:
		case seq > want:
			report(KindSeqGap, "sequence jumps from %d to %d: %s missing",
				st.summary.LastSeq, seq, entries(seq-want))
		case seq == st.summary.LastSeq:
			report(KindSeqRepeat, "sequence %d repeats the entry on line %d", seq, st.lastLine)
		default:
			report(KindSeqBackwards, "sequence goes back from %d to %d (reordered or replayed)",
				st.summary.LastSeq, seq)
		}
		if e.PrevHash != "" && e.PrevHash != st.summary.HeadHash {
			prev := st.summary.HeadHash
			if prev == "" {
				prev = "null"
			}
			report(KindChainBreak, "prev_hash %s does not match the entry_hash %s of the "+
				"trail's previous entry (line %d)", short(e.PrevHash), short(prev), st.lastLine)
		}
		switch {
		case e.EntryHash == "" && st.hashed:
			report(KindDowngrade, "entry has no hash after hashed entries of its trail")
		case e.PrevHash == "" && st.chained:
			report(KindDowngrade, "entry is not chained after chained entries of its trail")
		}
	}

	if st.policy != nil {
		v.checkPolicy(e, first, st, report)
	}

	// A chain's first entry carries no link; once its successor links to
	// it, count it as chained in the summary.
	if !first && st.summary.Entries == 1 && e.Integrity() == IntegrityChain &&
		st.minInteg == IntegrityHash && e.PrevHash == st.summary.HeadHash {
		st.minInteg = IntegrityChain
	}
	st.summary.Entries++
	st.summary.LastSeq = seq
	st.summary.HeadHash = e.EntryHash
	st.lastLine = loc.Line
	st.hashed = st.hashed || e.EntryHash != ""
	st.chained = st.chained || e.PrevHash != ""
	st.minInteg = min(st.minInteg, e.Integrity())
	st.maxInteg = max(st.maxInteg, e.Integrity())
}

// checkStart checks the first entry of a trail against its anchor, or
// against sequence 0 with no link when there is none.
func (v *Verifier) checkStart(e *Entry, report func(ProblemKind, string, ...any)) {
	anchor, anchored := v.opts.Anchors[e.Trail]
	if !anchored {
		switch {
		case e.Sequence != 0 && e.PrevHash != "":
			report(KindHeadMissing, "trail starts at sequence %d and links to an entry "+
				"that is not in the log: %s", e.Sequence, missingHead(e.Sequence))
		case e.Sequence != 0:
			report(KindHeadMissing, "trail starts at sequence %d, not 0: %s",
				e.Sequence, missingHead(e.Sequence))
		case e.PrevHash != "":
			report(KindHeadMissing, "first entry of the trail links to an entry "+
				"that is not in the log")
		}
		return
	}
	if e.Sequence != anchor.Sequence {
		report(KindHeadMissing, "trail starts at sequence %d, but its anchor says %d",
			e.Sequence, anchor.Sequence)
	}
	switch {
	case anchor.PrevHash != "" && e.PrevHash != anchor.PrevHash:
		report(KindChainBreak, "first entry's prev_hash %s does not match the anchor's hash %s",
			short(orNull(e.PrevHash)), short(anchor.PrevHash))
	case anchor.PrevHash == "" && e.PrevHash != "":
		report(KindHeadMissing, "first entry links to %s, but the anchor gives no hash "+
			"to check it against", short(e.PrevHash))
	}
}

func (v *Verifier) checkPolicy(e *Entry, first bool, st *trailState,
	report func(ProblemKind, string, ...any)) {
	need := st.policy.Integrity
	have := e.Integrity()
	// The first entry of a chain has nothing to link to.
	if need == IntegrityChain && have == IntegrityHash && first {
		have = IntegrityChain
	}
	if have < need {
		report(KindPolicyWeaker, "entry has integrity %s, but the trail's policy (%s) "+
			"requires %s", have, st.origin, need)
	}
}

// Report returns the verdict on everything added so far.
func (v *Verifier) Report() Report {
	if !v.ended {
		v.ended = true
		v.checkAnchorsSeen()
	}
	r := v.report
	r.Trails = make([]TrailSummary, 0, len(v.order))
	for _, name := range v.order {
		st := v.trails[name]
		s := st.summary
		s.Integrity = st.minInteg.String()
		if st.maxInteg != st.minInteg {
			s.Integrity += ".." + st.maxInteg.String()
		}
		r.Trails = append(r.Trails, s)
	}
	if r.Problems == nil {
		r.Problems = []Problem{}
	}
	return r
}

// checkAnchorsSeen reports each anchored trail that the log does not hold
// at all: an anchor says the trail exists from its sequence on, so a log
// without it has lost the whole trail (or the anchor names the wrong one).
func (v *Verifier) checkAnchorsSeen() {
	names := make([]string, 0, len(v.opts.Anchors))
	for name := range v.opts.Anchors {
		if v.trails[name] == nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		seq := v.opts.Anchors[name].Sequence
		p := v.problem(Location{Index: -1}, name, &seq, KindHeadMissing, fmt.Sprintf(
			"its anchor says the trail starts at sequence %d, but the log holds none of its "+
				"entries", seq))
		if p != nil {
			p.Source = "end of log"
		}
	}
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func orNull(h string) string {
	if h == "" {
		return "null"
	}
	return h
}

func entries(n int64) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}

// missingHead says which entries before sequence seq are missing.
func missingHead(seq int64) string {
	if seq == 1 {
		return "entry 0 is missing"
	}
	return fmt.Sprintf("entries 0 to %d are missing", seq-1)
}

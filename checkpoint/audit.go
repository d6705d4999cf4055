package checkpoint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/auditgate/auditgate/core"
	"golang.org/x/mod/sumdb/tlog"
)

// Named is a checkpoint given to an Audit, with the name it is reported
// under (its file, say). Err, when set, says why it could not be opened.
type Named struct {
	Name string
	*Signed
	Err error
}

// Audit compares checkpoints with a log's lines, read once and in order,
// in memory that does not grow with the log. For each checkpoint it finds
// whether the log holds at least the lines it covers, whether those lines
// still hash to its root, and whether its trail heads are the log's; for
// checkpoints of different sizes, whether the newer extends the older.
// An Audit is not safe for concurrent use.
type Audit struct {
	origin  string // the expected origin; "" until the first line when derived
	derived bool
	cps     []Named
	tree    *Tree
	heads   *Heads
	maxSize int64
	roots   map[int64]tlog.Hash
	headsAt map[int64][]Head
}

// NewAudit returns an audit of cps. origin is the name the log must have;
// "" takes DefaultOrigin of the log's first line.
func NewAudit(origin string, cps []Named) *Audit {
	a := &Audit{origin: origin, derived: origin == "", cps: cps, tree: NewTree(NewFrontier(), 0),
		heads: NewHeads(nil, 0, 0), roots: make(map[int64]tlog.Hash),
		headsAt: make(map[int64][]Head)}
	for _, c := range cps {
		if c.Signed != nil {
			a.maxSize = max(a.maxSize, c.Size)
		}
	}
	a.reached()
	return a
}

// Add reads the log's next line, without its newline.
func (a *Audit) Add(line []byte) error {
	return a.AddPrepared(line, prepare(&a.heads.parser, line))
}

// AddPrepared is Add for a line a Preparer has hashed and parsed.
func (a *Audit) AddPrepared(line []byte, p Prepared) error {
	if a.tree.Size() == 0 && a.derived {
		a.origin = DefaultOrigin(line)
	}
	if err := a.tree.AddHash(p.Leaf); err != nil {
		return err
	}
	if a.tree.Size() <= a.maxSize {
		a.heads.Put(p)
	}
	a.reached()
	return nil
}

// reached notes the root and heads at the current size if a checkpoint
// covers exactly that many lines.
func (a *Audit) reached() {
	n := a.tree.Size()
	for _, c := range a.cps {
		if c.Signed == nil || c.Size != n {
			continue
		}
		if _, done := a.roots[n]; !done {
			root, err := a.tree.Root(n)
			if err != nil {
				panic(fmt.Sprintf("checkpoint: frontier lost the root at %d: %v", n, err))
			}
			a.roots[n] = root
			a.headsAt[n] = a.heads.List()
		}
	}
}

// Lines returns the number of lines read.
func (a *Audit) Lines() int64 { return a.tree.Size() }

// Result returns what the audit found: problems, each about one checkpoint
// or one pair (Source names it), and notes that do not make the log
// invalid. Call it after the last line.
func (a *Audit) Result() (problems []core.Problem, notes []string) {
	report := func(names string, kind core.ProblemKind, format string, args ...any) {
		problems = append(problems, core.Problem{Source: names, Kind: kind,
			Message: fmt.Sprintf(format, args...)})
	}
	lines := a.tree.Size()
	matched := make(map[string]bool)
	var checked []Named
	var covered int64 = -1
	for _, c := range a.cps {
		src := "checkpoint " + c.Name
		if c.Err != nil {
			kind := KindOf(c.Err)
			if kind == "" {
				kind = KindMalformed
			}
			report(src, kind, "%v", c.Err)
			continue
		}
		// An empty log has no first line to name it by.
		if c.Origin != a.origin && (!a.derived || lines > 0) {
			report(src, KindOrigin, "it is for log %s, this log is %s: %s", c.Origin, a.origin,
				a.originHint())
			continue
		}
		checked = append(checked, c)
		if lines < c.Size {
			report(src, KindTruncated, "it covers %d lines, the log has only %d: %s",
				c.Size, lines, deleted(lines, c.Size))
			continue
		}
		root, got := a.roots[c.Size], a.headsAt[c.Size]
		diff := diffHeads(c.Heads, got)
		switch {
		case root != c.Root:
			msg := fmt.Sprintf("the log's first %d lines hash to %s, the checkpoint says %s: "+
				"a line it covers was changed, inserted or removed", c.Size, root, c.Root)
			if diff != "" {
				msg += "; " + diff
			} else {
				msg += " (every trail head is as signed, so no chained trail was rewritten " +
					"to its end: look for bytes the entry hash does not cover, such as " +
					"wall_ts or recorded_by, or an entry rehashed in an unchained trail)"
			}
			report(src, KindMismatch, "%s", msg)
		case diff != "":
			report(src, KindMismatch, "its lines match but its trail heads do not: %s", diff)
		default:
			matched[c.Name] = true
			covered = max(covered, c.Size)
			notes = append(notes, fmt.Sprintf("%s: the log's first %d lines are the ones it "+
				"signs (signed by %s)", src, c.Size, strings.Join(c.SignedBy, ", ")))
		}
	}
	problems = append(problems, a.pairs(checked, matched)...)
	if covered >= 0 && lines > covered {
		notes = append(notes, fmt.Sprintf("lines %d to %d (%d) are not yet covered by a "+
			"checkpoint: only the chain rules vouch for them", covered+1, lines, lines-covered))
	}
	return problems, notes
}

// pairs checks each checkpoint against the next larger one.
func (a *Audit) pairs(checked []Named, matched map[string]bool) []core.Problem {
	slices.SortStableFunc(checked, func(x, y Named) int { return cmp.Compare(x.Size, y.Size) })
	var problems []core.Problem
	for i := 1; i < len(checked); i++ {
		older, newer := checked[i-1], checked[i]
		src := fmt.Sprintf("checkpoints %s and %s", older.Name, newer.Name)
		var err error
		proven := newer.Proof != nil && newer.Proof.OldSize == older.Size
		switch {
		case proven || older.Size == newer.Size:
			err = CheckConsistency(older.Signed, newer.Signed)
		case matched[newer.Name] && !matched[older.Name]:
			err = errorf(KindInconsistent, "%s does not extend %s: the log matches the newer "+
				"one, whose first %d lines are not the ones the older one signs",
				newer.Name, older.Name, older.Size)
		}
		if err != nil {
			problems = append(problems, core.Problem{Source: src, Kind: KindOf(err),
				Message: err.Error()})
		}
	}
	return problems
}

func (a *Audit) originHint() string {
	if a.derived {
		return "the checkpoint is for another log, or this log's first line was changed " +
			"(a log without a configured origin is named after its first line)"
	}
	return "the checkpoint is for another log"
}

func deleted(have, want int64) string {
	if want-have == 1 {
		return fmt.Sprintf("line %d was deleted", want)
	}
	return fmt.Sprintf("lines %d to %d were deleted", have+1, want)
}

// diffHeads describes the first few trails whose heads differ.
func diffHeads(signed, log []Head) string {
	in := func(list []Head) map[string]Head {
		m := make(map[string]Head, len(list))
		for _, h := range list {
			m[h.Trail] = h
		}
		return m
	}
	want, have := in(signed), in(log)
	var trails []string
	for t := range want {
		trails = append(trails, t)
	}
	for t := range have {
		if _, ok := want[t]; !ok {
			trails = append(trails, t)
		}
	}
	slices.Sort(trails)
	var diffs []string
	for _, t := range trails {
		w, wok := want[t]
		h, hok := have[t]
		if wok && hok && w == h {
			continue
		}
		diffs = append(diffs, fmt.Sprintf("trail %s: signed %s, the log has %s",
			core.QuoteString(t), describeHead(w, wok), describeHead(h, hok)))
	}
	if len(diffs) > 3 {
		diffs = append(diffs[:3], fmt.Sprintf("%d more trails differ", len(diffs)-3))
	}
	return strings.Join(diffs, "; ")
}

func describeHead(h Head, ok bool) string {
	switch {
	case !ok:
		return "no entry"
	case h.EntryHash == "":
		return fmt.Sprintf("#%d (no hash)", h.Sequence)
	}
	return fmt.Sprintf("#%d %s", h.Sequence, h.EntryHash[:12])
}

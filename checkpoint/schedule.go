package checkpoint

import "time"

// Schedule says when record writes a checkpoint by itself: once
// EveryEntries lines were added since the last checkpoint, or once Every
// has passed since it, whichever comes first. A zero field takes no part.
// A log with no new line since the last checkpoint never needs another;
// a log with fewer lines than the last checkpoint covers needs one at
// once, so that making it fails and says why.
type Schedule struct {
	EveryEntries int64
	Every        time.Duration
}

// Enabled reports whether the schedule ever asks for a checkpoint.
func (s Schedule) Enabled() bool { return s.EveryEntries > 0 || s.Every > 0 }

// Due reports whether a log of lines lines needs a checkpoint now, when the
// last one covered lastSize lines and was written at last; hasLast is
// false when there is no checkpoint yet, which counts as one of no lines
// written long ago.
func (s Schedule) Due(lines, lastSize int64, last time.Time, hasLast bool, now time.Time) bool {
	switch {
	case !s.Enabled() || lines == lastSize:
		return false
	case lines < lastSize:
		return true
	}
	if s.EveryEntries > 0 && lines-lastSize >= s.EveryEntries {
		return true
	}
	return s.Every > 0 && (!hasLast || now.Sub(last) >= s.Every)
}

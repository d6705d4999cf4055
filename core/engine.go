package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Head is what a store knows about the newest entry of a trail: enough to
// give the next entry its sequence, its link and a ts that does not go back.
type Head struct {
	Sequence  int64   // sequence of the newest entry
	EntryHash string  // its entry_hash, "" when it has none
	Chained   bool    // whether it carries a prev_hash
	TS        float64 // its ts
}

// Integrity returns how the newest entry was protected.
func (h Head) Integrity() IntegrityMode {
	switch {
	case h.EntryHash == "":
		return IntegrityNone
	case h.Chained:
		return IntegrityChain
	}
	return IntegrityHash
}

// HeadOf returns the head an entry leaves behind.
func HeadOf(e *Entry) Head {
	return Head{Sequence: e.Sequence, EntryHash: e.EntryHash, Chained: e.PrevHash != "",
		TS: e.TS.Value}
}

// Store is where the engine appends entries.
//
// Update must give fn exclusive access to the store: no other writer, in
// this process or another, may append between fn's first Head call and the
// moment the entries fn appended are durable. Update returns nil only when
// every entry fn appended is durably stored (written and flushed to stable
// storage); otherwise none of them may be visible as an entry, and the
// returned error says why.
//
// The engine trusts a store for heads only. Whoever can write the store's
// files can change anything in them; proving that the log is whole is the
// verifier's job, which reads the stored lines themselves.
type Store interface {
	Update(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is a store's view inside Update.
type Tx interface {
	// Head returns the newest entry of trail, including entries appended
	// earlier in this Update; ok is false for a trail with no entries.
	Head(trail string) (head Head, ok bool, err error)
	// Append stages an entry, whose hashes and sequence are final.
	Append(e *Entry) error
}

// Request is one decision to record. Trail and Verdict are required, and
// Severity is one of the five severities; its zero value is DEBUG, which a
// min_severity above it drops, so set it (the command line's default is
// INFO). An empty GateType means the trail's source, an empty GateIdentity
// the trail string, a nil Detail the empty object; a Detail given must be
// the canonical text of a JSON object, as Canonical writes it. Record
// refuses a request that Validate refuses, storing nothing.
type Request struct {
	Trail        Trail
	Verdict      Verdict
	Severity     Severity
	GateType     string
	GateIdentity string
	Reason       *string
	Detail       []byte // canonical text of a JSON object; see Canonical
	RecordedBy   string
}

// Status is the outcome of recording one request.
type Status string

// The statuses of a Decision.
const (
	Recorded Status = "RECORDED" // the entry is durably stored
	Dropped  Status = "DROPPED"  // nothing was stored; Reason says why
)

// Decision is the outcome of recording one request under its policy.
type Decision struct {
	Status       Status
	Trail        string
	Policy       Policy
	PolicyOrigin string // which rule, or the defaults, gave the policy
	Entry        *Entry // the stored entry; nil when dropped
	Reason       string // why the entry was dropped, if it was
	// Proceed says whether the action the decision is about may go ahead:
	// true when the entry was recorded, dropped below min_severity, or lost
	// under a fail_open policy.
	Proceed bool
	// StoreErr is the store failure behind a drop, if there was one.
	StoreErr error
}

// ErrNotRecorded marks the failure of a hard, fail_closed policy: the entry
// could not be stored and no action may proceed unaudited.
var ErrNotRecorded = errors.New("entry not recorded")

// NotRecordedError is returned by Engine.Record when the store failed under
// a hard, fail_closed policy. errors.Is(err, ErrNotRecorded) holds for it.
type NotRecordedError struct {
	Trail string
	Err   error // the store failure
}

func (e *NotRecordedError) Error() string {
	return fmt.Sprintf("entry for %s not recorded: %v", e.Trail, e.Err)
}

// Unwrap returns the store failure.
func (e *NotRecordedError) Unwrap() error { return e.Err }

// Is reports ErrNotRecorded as a match.
func (e *NotRecordedError) Is(target error) bool { return target == ErrNotRecorded }

// Engine records gate decisions into a store under per-trail policies. Store
// is required; a nil Policies means the built-in defaults (NewPolicies).
//
// An Engine is safe for concurrent use by many goroutines when its Store is
// (File and Memory in package store are) and its clock, if set, is; its
// fields must not change once it is in use.
type Engine struct {
	Store    Store
	Policies *Policies
	Now      func() time.Time // the clock; nil means time.Now
	// Listeners, when set, receives every decision Record and RecordGroup
	// reach, without holding them up; see Listeners.
	Listeners *Listeners
}

// Record resolves the trail's policy, drops a request below the policy's
// min_severity, and otherwise appends one entry: the next sequence of the
// trail, a ts no smaller than the trail's previous one, the entry hash and,
// in a chain, the link to the previous entry.
//
// The integrity an entry gets is the stronger of its policy's and the
// trail's newest entry's, so a trail that was hashed or chained is never
// weakened by a later, looser policy.
//
// When the store fails, the policy decides: under hard+fail_closed Record
// returns a *NotRecordedError; otherwise it returns a DROPPED decision whose
// Proceed field says whether the action may go ahead. A ctx that is done
// before the entry is stored counts as a store failure: a store.File gives
// up waiting for its lock when ctx ends, and the error wraps ctx's.
//
// An invalid request (see Request.Validate) is refused with an error
// wrapping ErrInvalidRequest and a zero Decision: nothing is stored and no
// listener is told.
func (eng *Engine) Record(ctx context.Context, req Request) (Decision, error) {
	// One allocation holds the request, its decision and its entry.
	one := &struct {
		req      [1]Request
		decision [1]Decision
		entry    [1]*Entry
	}{req: [1]Request{req}}
	decisions, err := eng.recordGroup(ctx, one.req[:], one.decision[:], one.entry[:])
	if decisions == nil {
		return Decision{}, err
	}
	return decisions[0], err
}

// build makes the entry that follows head under policy; trail is
// req.Trail's string, which the caller has already made.
func (eng *Engine) build(req Request, trail string, policy Policy, head Head, hasHead bool) *Entry {
	now := time.Now
	if eng.Now != nil {
		now = eng.Now
	}
	t := now()
	e := &Entry{
		SchemaVersion: SchemaVersion,
		Trail:         trail,
		TS:            UnixSeconds(t),
		WallTS:        WallTime(t),
		Verdict:       req.Verdict,
		Severity:      req.Severity,
		GateType:      req.GateType,
		GateIdentity:  req.GateIdentity,
		RecordedBy:    req.RecordedBy,
		Reason:        req.Reason,
		Detail:        req.Detail,
	}
	if e.GateType == "" {
		e.GateType = req.Trail.Source
	}
	if e.GateIdentity == "" {
		e.GateIdentity = e.Trail
	}
	if e.Detail == nil {
		e.Detail = []byte("{}")
	}

	integrity := policy.Integrity
	if hasHead {
		e.Sequence = head.Sequence + 1
		if head.TS > e.TS.Value {
			e.TS = FloatNumber(head.TS)
		}
		integrity = max(integrity, head.Integrity())
	}
	if integrity >= IntegrityChain && hasHead {
		e.PrevHash = head.EntryHash
	}
	if integrity >= IntegrityHash {
		e.EntryHash = e.ComputeHash()
	}
	return e
}

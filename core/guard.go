package core

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrBlocked marks an action that a guard did not run because the gate's
// verdict does not allow it: BLOCK or ERROR. The entry was recorded (or
// dropped as its policy says); only ALLOW and OVERRIDE let an action run.
var ErrBlocked = errors.New("the verdict does not allow the action")

// ErrDropped marks an action that a guard did not run because its entry
// could not be stored and the trail's policy is soft+fail_closed. Under
// hard+fail_closed the error is a *NotRecordedError instead.
var ErrDropped = errors.New("entry dropped and the policy does not let the action proceed")

// Allows reports whether a verdict lets the action it is about run: ALLOW
// and OVERRIDE do; BLOCK and ERROR do not.
func (v Verdict) Allows() bool { return v == Allow || v == Override }

// GuardResult is the outcome of TryGuard: the decision, whether the action
// ran, and its error or why it did not run.
type GuardResult struct {
	Decision Decision
	// Ran says whether the action was called.
	Ran bool
	// Err is the action's own error when it ran. When it did not run, Err
	// says why: a *NotRecordedError (errors.Is ErrNotRecorded), an error
	// wrapping ErrDropped or ErrBlocked, or the context's error.
	Err error
}

// Guard records req and then calls action, only if the action may go
// ahead: the decision's Proceed is true (the entry was recorded, dropped
// below min_severity, or lost under a fail_open policy) and the verdict is
// ALLOW or OVERRIDE. It returns the action's error unchanged, or, when the
// action was not called, why (see GuardResult.Err). A panic in action is
// not recovered.
func (eng *Engine) Guard(ctx context.Context, req Request, action func(context.Context) error) error {
	return eng.TryGuard(ctx, req, action).Err
}

// TryGuard is Guard returning the decision with the action's result, so a
// caller can see what was recorded whatever happened. A nil action is an
// error, and nothing is recorded.
func (eng *Engine) TryGuard(ctx context.Context, req Request,
	action func(context.Context) error) GuardResult {
	if action == nil {
		return GuardResult{Err: errors.New("core: guard needs an action to run")}
	}
	d, err := eng.Record(ctx, req)
	r := GuardResult{Decision: d, Err: Refusal(ctx, req.Verdict, d, err)}
	if r.Err != nil {
		return r
	}
	r.Ran = true
	r.Err = action(ctx)
	return r
}

// Refusal returns why the action that a decision is about must not run, or
// nil when it may: d and recordErr are what Engine.Record returned for a
// request with the given verdict. The reasons, first match first: recordErr
// itself (a *NotRecordedError); an error wrapping ErrDropped and the store
// failure when d may not proceed; an error wrapping ErrBlocked when the
// verdict is not ALLOW or OVERRIDE; the error of a ctx that is done.
// Guard and TryGuard decide by it, and so does the guard command.
func Refusal(ctx context.Context, verdict Verdict, d Decision, recordErr error) error {
	switch {
	case recordErr != nil:
		return recordErr
	case !d.Proceed:
		return fmt.Errorf("guard %s: %w: %w", d.Trail, ErrDropped, d.StoreErr)
	case !verdict.Allows():
		return fmt.Errorf("guard %s: verdict %s: %w", d.Trail, verdict, ErrBlocked)
	}
	return ctx.Err()
}

// CommandResult says how a guarded command ended, for its result entry.
type CommandResult struct {
	// ExitStatus is the status a shell would report: the command's own,
	// 128+N when signal N killed it, 126 or 127 when it could not start.
	ExitStatus int
	Signal     string        // the signal that killed it, such as "SIGTERM"; "" if none
	StartError string        // why it could not be started; "" if it was
	Duration   time.Duration // from just before it started until it ended
}

// ResultRequest returns the request for the entry that records how a
// guarded command ended, after decided gave decision d. It goes to the
// same trail with the same severity, gate and recorder. Its verdict is
// decided's when the command exited 0 and ERROR otherwise; its reason says
// how the command ended; its detail links it to the decision's entry and
// holds the exit status and the duration:
//
//	{"decision_entry_hash":"...","decision_sequence":7,"duration_seconds":0.25,
//	 "exit_status":0}
//
// decision_sequence and decision_entry_hash are null when the decision's
// entry was not stored (or, for the hash, has none); "signal" is added
// when a signal killed the command and "error" when it could not start.
func ResultRequest(decided Request, d Decision, r CommandResult) Request {
	req := decided
	req.Reason = nil
	members := []Member{
		{Key: "decision_entry_hash", Value: []byte("null")},
		{Key: "decision_sequence", Value: []byte("null")},
		{Key: "duration_seconds", Value: AppendFloat(nil, float64(r.Duration.Microseconds())/1e6)},
		{Key: "exit_status", Value: strconv.AppendInt(nil, int64(r.ExitStatus), 10)},
	}
	if e := d.Entry; e != nil {
		members[1].Value = strconv.AppendInt(nil, e.Sequence, 10)
		if e.EntryHash != "" {
			members[0].Value = AppendString(nil, e.EntryHash)
		}
	}
	var reason string
	switch {
	case r.StartError != "":
		reason = "command could not start: " + r.StartError
		members = append(members, Member{Key: "error", Value: AppendString(nil, r.StartError)})
	case r.Signal != "":
		reason = "command killed by " + r.Signal
		members = append(members, Member{Key: "signal", Value: AppendString(nil, r.Signal)})
	default:
		reason = "command exited with status " + strconv.Itoa(r.ExitStatus)
	}
	req.Reason = &reason
	if r.ExitStatus != 0 || r.StartError != "" || r.Signal != "" {
		req.Verdict = Error
	}
	// The keys above are distinct and valid text, so sorting cannot fail.
	_ = SortMembers(members)
	req.Detail = AppendObject(nil, members)
	return req
}

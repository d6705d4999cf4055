package core

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// RecordGroup records requests as one group: one Store.Update, so one lock
// and one flush for all of them. Decisions come back in request order.
//
// Requests below their policy's min_severity are dropped as in Record. If
// the store fails, no request of the group is stored: each gets a DROPPED
// decision with the store error and its own policy's Proceed, and the
// returned error is a *NotRecordedError when any of them is under a
// hard+fail_closed policy. A caller recording a stream must stop there.
func (eng *Engine) RecordGroup(ctx context.Context, reqs []Request) ([]Decision, error) {
	return eng.recordGroup(ctx, reqs, make([]Decision, len(reqs)), make([]*Entry, len(reqs)))
}

// recordGroup is RecordGroup with the room for its decisions and entries,
// one of each per request, given by the caller.
func (eng *Engine) recordGroup(ctx context.Context, reqs []Request, decisions []Decision,
	entries []*Entry) ([]Decision, error) {
	if eng.Store == nil {
		return nil, errors.New("core: the Engine has no Store")
	}
	for i := range reqs {
		if err := reqs[i].Validate(); err != nil {
			if len(reqs) > 1 {
				err = fmt.Errorf("request %d: %w", i+1, err)
			}
			return nil, err
		}
	}
	policies := eng.policies()
	pending := 0
	for i, req := range reqs {
		trail := req.Trail.String()
		policy, origin := policies.Resolve(trail)
		decisions[i] = Decision{Trail: trail, Policy: policy, PolicyOrigin: origin}
		if req.Severity < policy.MinSeverity {
			decisions[i].dropBelowMinimum(req.Severity)
			continue
		}
		pending++
	}
	if pending == 0 {
		eng.Listeners.notify(decisions)
		return decisions, nil
	}

	err := eng.Store.Update(ctx, func(tx Tx) error {
		for i, req := range reqs {
			if decisions[i].Status == Dropped {
				continue
			}
			head, ok, err := tx.Head(decisions[i].Trail)
			if err != nil {
				return err
			}
			if ok && head.Sequence == math.MaxInt64 {
				return fmt.Errorf("trail %s has used every sequence number: its newest "+
					"entry is #%d", decisions[i].Trail, head.Sequence)
			}
			entries[i] = eng.build(req, decisions[i].Trail, decisions[i].Policy, head, ok)
			if err := tx.Append(entries[i]); err != nil {
				return fmt.Errorf("request %d: %w", i+1, err)
			}
		}
		return nil
	})

	var notRecorded error
	for i := range reqs {
		d := &decisions[i]
		if d.Status == Dropped {
			continue
		}
		if err == nil {
			d.Status, d.Entry, d.Proceed = Recorded, entries[i], true
			continue
		}
		if failErr := d.storeFailed(err); failErr != nil && notRecorded == nil {
			notRecorded = failErr
		}
	}
	eng.Listeners.notify(decisions)
	return decisions, notRecorded
}

// dropBelowMinimum makes d the decision for a request below min_severity.
func (d *Decision) dropBelowMinimum(sev Severity) {
	d.Status = Dropped
	d.Proceed = true
	d.Reason = fmt.Sprintf("severity %s is below the trail's min_severity %s",
		sev, d.Policy.MinSeverity)
}

// storeFailed makes d the decision for an entry the store failed to keep,
// and returns the error a hard+fail_closed policy demands, if it is one.
func (d *Decision) storeFailed(err error) error {
	d.Status = Dropped
	d.StoreErr = err
	d.Reason = "store error: " + err.Error()
	d.Proceed = d.Policy.Proceeds()
	if d.Policy.Mode == Hard && d.Policy.OnStoreError == FailClosed {
		return &NotRecordedError{Trail: d.Trail, Err: err}
	}
	return nil
}

func (eng *Engine) policies() *Policies {
	if eng.Policies == nil {
		return NewPolicies()
	}
	return eng.Policies
}

package core

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// DefaultListenerQueue is how many decisions wait for a listener registered
// with Listeners.Add before further ones are dropped for it.
const DefaultListenerQueue = 1024

// Listeners delivers every decision an engine reaches, RECORDED or DROPPED,
// to callbacks registered with Add. Set it as Engine.Listeners; the zero
// value is ready to use, and one Listeners may serve several engines.
//
// Listeners never hold up recording and can never break it. Each listener
// has its own goroutine and its own bounded queue: the engine hands it a
// decision only if the queue has room and otherwise drops the decision for
// that listener alone and counts it. A listener that panics is recovered,
// counted, and called again for the next decision. Both counts are in
// Listener.Stats.
//
// A listener receives the decisions of one Record or RecordGroup call in
// their order, after the store has answered. Decisions of calls made from
// different goroutines reach it in no particular order; Entry.Sequence
// orders the entries of a trail. A listener shares each Decision, and the
// Entry it points to, with the engine's caller and every other listener:
// it must not modify them.
//
// Listeners is safe for concurrent use.
type Listeners struct {
	mu   sync.RWMutex
	subs []*Listener
}

// Listener is one callback registered with Listeners.
type Listener struct {
	owner *Listeners
	fn    func(Decision)
	queue chan Decision
	done  chan struct{}
	once  sync.Once

	delivered atomic.Uint64
	panicked  atomic.Uint64
	dropped   atomic.Uint64
	lastPanic atomic.Pointer[string]
}

// ListenerStats counts what became of the decisions offered to a listener.
// Delivered + Panicked + Dropped, plus those still queued, is the number of
// decisions the engine reached while the listener was registered.
type ListenerStats struct {
	Delivered uint64 // calls that returned normally
	Panicked  uint64 // calls that panicked; each panic was recovered
	Dropped   uint64 // decisions not delivered because the queue was full
	LastPanic string // the value of the latest panic, as text; "" when none
}

// Add registers fn to be called with every decision reached from now on,
// with a queue of DefaultListenerQueue decisions.
func (ls *Listeners) Add(fn func(Decision)) *Listener {
	return ls.AddQueue(fn, DefaultListenerQueue)
}

// AddQueue is Add with a queue of n decisions (at least 1).
func (ls *Listeners) AddQueue(fn func(Decision), n int) *Listener {
	l := &Listener{owner: ls, fn: fn, queue: make(chan Decision, max(n, 1)),
		done: make(chan struct{})}
	go l.run()
	ls.mu.Lock()
	ls.subs = append(ls.subs, l)
	ls.mu.Unlock()
	return l
}

// notify offers decisions to every listener without waiting for any. It is
// a no-op on a nil receiver, so an engine without listeners pays nothing.
func (ls *Listeners) notify(decisions []Decision) {
	if ls == nil {
		return
	}
	ls.mu.RLock()
	defer ls.mu.RUnlock()
	for _, l := range ls.subs {
		for i := range decisions {
			select {
			case l.queue <- decisions[i]:
			default:
				l.dropped.Add(1)
			}
		}
	}
}

// run calls the listener's function for each queued decision until Close.
func (l *Listener) run() {
	defer close(l.done)
	for d := range l.queue {
		l.deliver(d)
	}
}

// deliver calls fn once, recovering and counting a panic.
func (l *Listener) deliver(d Decision) {
	defer func() {
		if v := recover(); v != nil {
			msg := fmt.Sprint(v)
			l.lastPanic.Store(&msg)
			l.panicked.Add(1)
		}
	}()
	l.fn(d)
	l.delivered.Add(1)
}

// Stats returns the listener's counts so far.
func (l *Listener) Stats() ListenerStats {
	s := ListenerStats{Delivered: l.delivered.Load(), Panicked: l.panicked.Load(),
		Dropped: l.dropped.Load()}
	if p := l.lastPanic.Load(); p != nil {
		s.LastPanic = *p
	}
	return s
}

// Close unregisters the listener, delivers the decisions already queued for
// it, and returns once its function will not be called again. Calling Close
// more than once is harmless; calling it from the listener's own function
// never returns, since Close waits for that function.
func (l *Listener) Close() {
	l.once.Do(func() {
		l.owner.mu.Lock()
		for i, s := range l.owner.subs {
			if s == l {
				l.owner.subs = append(l.owner.subs[:i:i], l.owner.subs[i+1:]...)
				break
			}
		}
		close(l.queue)
		l.owner.mu.Unlock()
	})
	<-l.done
}

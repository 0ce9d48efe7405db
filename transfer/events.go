package transfer

import (
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// Event is one notification to subscribers: either a job's state change
// (Progress nil) or a progress snapshot (Progress set, Job zero).
type Event struct {
	Time time.Time
	// Job is the job as it is after the change. A finished or cancelled job
	// has been removed from the queue; Job then holds its last record with
	// State set to the outcome (Done, Cancelled, or Failed for good).
	Job queue.Job
	// RemotePath and Link are set for Done: where the server stored it.
	RemotePath, Link string
	// Progress is a throttled snapshot of the uploads in flight.
	Progress *Progress
}

// Subscription receives events on C until Close. State changes are never
// dropped: they queue up without bound for a slow reader. Progress
// snapshots are coalesced: a reader that falls behind gets the newest one.
type Subscription struct {
	// C delivers the events in order; it is closed after Close.
	C <-chan Event

	h       *hub
	keep    func(Event) bool // nil: every event; else only those it accepts are queued
	mu      sync.Mutex       // guards pending, latest, closed
	pending []Event
	latest  *Event
	closed  bool
	wake    chan struct{} // buffered(1): something was added, or Close
	done    chan struct{} // closed by Close
}

// Close ends the subscription; C is closed once the pump goroutine exits.
// Idempotent; safe from any goroutine.
func (s *Subscription) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	close(s.done)
	s.h.remove(s)
}

func (s *Subscription) push(ev Event) {
	if s.keep != nil && !s.keep(ev) {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if ev.Progress != nil {
		// A copy of its own: taking &ev would move every event pushed,
		// filtered ones included, to the heap (a 100,000-file scan
		// published 35 MB of them).
		latest := ev
		s.latest = &latest
	} else {
		s.pending = append(s.pending, ev)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// pump moves queued events to the subscriber's channel, state changes
// first (in order) and then the newest progress snapshot.
func (s *Subscription) pump(out chan<- Event) {
	defer close(out)
	for {
		s.mu.Lock()
		var ev Event
		have := true
		switch {
		case len(s.pending) > 0:
			ev = s.pending[0]
			s.pending[0] = Event{}
			s.pending = s.pending[1:]
		case s.latest != nil:
			ev, s.latest = *s.latest, nil
		default:
			have = false
		}
		s.mu.Unlock()
		if !have {
			select {
			case <-s.wake:
				continue
			case <-s.done:
				return
			}
		}
		select {
		case out <- ev:
		case <-s.done:
			return
		}
	}
}

// hub fans events out to subscribers.
type hub struct {
	mu   sync.Mutex // guards subs
	subs map[*Subscription]struct{}
	// any is closed while at least one subscriber exists; the progress
	// ticker sleeps on it, so progress costs nothing without listeners.
	any chan struct{}
}

func newHub() *hub { return &hub{subs: map[*Subscription]struct{}{}, any: make(chan struct{})} }

func (h *hub) subscribe(keep func(Event) bool) *Subscription {
	out := make(chan Event)
	s := &Subscription{C: out, h: h, keep: keep, wake: make(chan struct{}, 1), done: make(chan struct{})}
	h.mu.Lock()
	if len(h.subs) == 0 {
		close(h.any)
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	go s.pump(out)
	return s
}

func (h *hub) remove(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	if len(h.subs) == 0 {
		h.any = make(chan struct{})
	}
}

// empty reports whether nobody listens.
func (h *hub) empty() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) == 0
}

// listening returns a channel that is closed while someone listens.
func (h *hub) listening() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.any
}

func (h *hub) publish(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.push(ev)
	}
}

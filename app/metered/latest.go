package metered

import "sync"

// latest holds a detector's current state and delivers each change on a
// one-slot channel that keeps only the newest undelivered state, as
// Detector.Changes promises.
type latest struct {
	mu      sync.Mutex
	state   State
	changes chan State
}

func newLatest(s State) *latest {
	return &latest{state: s, changes: make(chan State, 1)}
}

// get is the current state.
func (l *latest) get() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// set records s and, when it differs from the current state, delivers it
// in place of any undelivered one. One goroutine calls set.
func (l *latest) set(s State) {
	l.mu.Lock()
	same := l.state == s
	l.state = s
	l.mu.Unlock()
	if same {
		return
	}
	for {
		select {
		case l.changes <- s:
			return
		default:
		}
		select {
		case <-l.changes:
		default:
		}
	}
}

package queue

import (
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// groupCommit shares one bbolt transaction, and so one pair of fdatasyncs,
// among the writes that arrive while another commit is on disk (group
// commit). Unlike bbolt's Batch it adds no delay: a write that finds the
// disk idle commits at once, alone; writes that arrive during that commit
// wait for it and then go together. With many small files in flight the
// per-file writes (Claim, the session after Begin, Finish) come from
// several goroutines at once, and each file then costs a fraction of a
// sync instead of three.
//
// Every call still returns only when its own change is durable, and a
// call whose function fails leaves no trace (its group is rolled back and
// the others are committed again without it), exactly as if it had run
// alone: the crash guarantees are those of one transaction per call.
type groupCommit struct {
	commits atomic.Int64 // transactions committed or tried, for tests
	mu      sync.Mutex
	busy    bool         // a leader is committing
	pending []*groupCall // waiting for the next commit
}

type groupCall struct {
	fn   func(t *txn) error
	err  error
	lead bool          // woken to commit the next group, not with a result
	wake chan struct{} // closed when err is set or lead is true
}

// group runs fn in a write transaction shared with concurrent group calls
// and returns when that transaction is durable. fn may run more than once
// (when another call in its group fails), so it must reset what it
// captures, like a bbolt Batch function.
func (q *Queue) group(fn func(t *txn) error) error {
	g := &q.grp
	c := &groupCall{fn: fn, wake: make(chan struct{})}
	g.mu.Lock()
	g.pending = append(g.pending, c)
	if g.busy {
		g.mu.Unlock()
		<-c.wake
		if !c.lead {
			return c.err
		}
		g.mu.Lock()
	}
	// Leader: commit everything pending now, c included.
	g.busy = true
	calls := g.pending
	g.pending = nil
	g.mu.Unlock()

	q.commitGroup(calls)
	q.maybeRelease()

	g.mu.Lock()
	if len(g.pending) > 0 {
		// Hand over: the oldest waiter commits the next group.
		next := g.pending[0]
		next.lead = true
		close(next.wake)
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	return c.err
}

// commitGroup runs calls in one transaction. When one fails, the
// transaction is rolled back, that call gets its error and the rest are
// tried again without it; a failing commit gives every call its error.
// It wakes every call except a leader's own (which is not waiting).
func (q *Queue) commitGroup(calls []*groupCall) {
	for len(calls) > 0 {
		failed := -1
		var ferr error
		q.grp.commits.Add(1)
		err := q.db.Update(func(tx *bolt.Tx) error {
			t, err := bind(tx)
			if err != nil {
				return err
			}
			for i, c := range calls {
				if err := c.fn(t); err != nil {
					failed, ferr = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range calls {
				c.err = err
				c.done()
			}
			return
		}
		c := calls[failed]
		c.err = ferr
		c.done()
		calls = append(calls[:failed:failed], calls[failed+1:]...)
	}
}

// done wakes a waiting call with its result.
func (c *groupCall) done() {
	select {
	case <-c.wake:
	default:
		close(c.wake)
	}
}

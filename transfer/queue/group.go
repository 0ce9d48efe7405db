package queue

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// groupCommit shares one bbolt transaction, and so one pair of fdatasyncs,
// among the writes that arrive while another commit is on disk (group
// commit). A write somebody waits for adds no delay: when it finds the
// disk idle it commits at once, alone; writes that arrive during that
// commit wait for it and then go together. With many small files in
// flight the per-file writes (claims, finishes, sessions) come from
// several goroutines at once, and each file then costs a fraction of a
// sync instead of one or more.
//
// A write nobody waits for yet (patient: a claim made ahead of need, a
// finish committed behind the next upload; see Picker.Behind) may wait up
// to the linger for company before its commit starts, as a database's
// group-commit delay does. The commit starts at once when a write that is
// waited for joins the group, when the group is full (groupFull), or when
// Hurry says that a caller now waits for a patient write. On this team's
// 2-core machine, 2,000 small files to files.ro took 1,850-2,390
// fdatasyncs without the linger, 1,150-1,230 with 2 ms (optimisations.md,
// issue 20 round 10), and 720-745 with 8 ms and three claims ahead per
// worker (round 11).
//
// A write started with groupPatient (Queue.SaveSessionPatient) is patient
// until its caller waits for it (PatientWrite.Wait), which ends the linger.
//
// Every call still returns only when its own change is durable, and a
// call whose function fails leaves no trace (its group is rolled back and
// the others are committed again without it), exactly as if it had run
// alone: the crash guarantees are those of one transaction per call.
type groupCommit struct {
	commits atomic.Int64  // transactions committed or tried, for tests
	linger  time.Duration // Options.GroupLinger; 0 = none
	nudge   chan struct{} // buffered(1): a lingering leader should commit now

	mu        sync.Mutex
	busy      bool         // a leader is lingering or committing
	lingering bool         // the leader is waiting for company (see nudge)
	hurried   bool         // Hurry came while no leader lingered: the next group does not linger
	urgent    int          // calls in pending that somebody waits for
	pending   []*groupCall // waiting for the next commit
}

// groupFull is the group size past which a lingering leader commits
// without waiting longer: more company saves little more.
const groupFull = 64

// defaultGroupLinger is Options.GroupLinger's default. A write that
// lingers is one nobody waits for (a worker that comes to need a claim
// hurries it), so the linger only delays events: a file's "done" comes up
// to this much later. Round 10 chose 2 ms when a worker kept two jobs
// claimed ahead, and needed each a file after claiming it; with three
// (transfer's aheadDepth) the claims wait longer for company: 8 ms took
// 2,000 files of 1 KiB to files.ro from 820-860 fdatasyncs at 4 ms to
// 720-735, and Twake's from 725-860 to 600-650 (round 11's sweep).
const defaultGroupLinger = 8 * time.Millisecond

type groupCall struct {
	fn      func(t *txn) error
	err     error
	patient bool          // nobody waits for it yet: it may linger
	taken   bool          // a leader took it from pending: its commit started
	lead    bool          // leads the next group (set before wake closes), not with a result
	wake    chan struct{} // closed when err is set or lead is true
}

// group runs fn in a write transaction shared with concurrent group calls
// and returns when that transaction is durable. fn may run more than once
// (when another call in its group fails), so it must reset what it
// captures, like a bbolt Batch function.
func (q *Queue) group(fn func(t *txn) error) error { return q.groupAs(false, fn) }

// groupAs is group for a call that may be patient (see groupCommit).
func (q *Queue) groupAs(patient bool, fn func(t *txn) error) error {
	c, leads := q.grp.join(fn, patient)
	return q.runGroupCall(c, leads)
}

// PatientWrite is a write started by groupPatient: its commit may linger
// for company until Wait is called.
type PatientWrite struct {
	q   *Queue
	c   *groupCall
	fin chan struct{} // closed when err is set
	err error
	op  string // names the operation in a returned error
}

// groupPatient starts fn as a patient group call (see groupCommit) and
// returns at once, before it is durable; op names it in Wait's error.
// Unlike a patient groupAs on a goroutine of the caller's, the call has
// joined the group when groupPatient returns, so Wait always ends its
// linger: Hurry from a caller whose write has not joined yet may not, and
// the write then lingers after all (up to 8 ms, which a 2,000-file
// Quatrix run showed as 2.3 s more).
func (q *Queue) groupPatient(op string, fn func(t *txn) error) *PatientWrite {
	c, leads := q.grp.join(fn, true)
	w := &PatientWrite{q: q, c: c, fin: make(chan struct{}), op: op}
	go func() {
		defer close(w.fin)
		w.err = q.runGroupCall(c, leads)
	}()
	return w
}

// Wait returns once the write is durable (or failed), with its error. A
// write still waiting for company stops waiting: its commit starts now,
// or right after the one on disk.
func (w *PatientWrite) Wait() error {
	select {
	case <-w.fin:
	default:
		w.hurry()
		<-w.fin
	}
	if w.err != nil {
		return fmt.Errorf("%s: %w", w.op, w.err)
	}
	return nil
}

// hurry marks w's call as waited for, if its commit has not started.
func (w *PatientWrite) hurry() {
	g := &w.q.grp
	g.mu.Lock()
	if c := w.c; c.patient && !c.taken {
		c.patient = false
		g.urgent++
		g.nudgeLocked()
	}
	g.mu.Unlock()
}

// join adds a call for fn to the next group, and reports whether the
// call leads it: no group was under way. See groupAs.
func (g *groupCommit) join(fn func(t *txn) error, patient bool) (*groupCall, bool) {
	c := &groupCall{fn: fn, patient: patient, wake: make(chan struct{})}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending = append(g.pending, c)
	if !patient {
		g.urgent++
	}
	if g.busy {
		if !patient || len(g.pending) >= groupFull {
			g.nudgeLocked()
		}
		return c, false
	}
	g.busy = true
	return c, true
}

// runGroupCall waits for c's group to commit, leading it (and so
// committing it) when c leads (join's answer) or is woken to lead, and
// returns c's error.
func (q *Queue) runGroupCall(c *groupCall, leads bool) error {
	g := &q.grp
	if !leads {
		<-c.wake
		if !c.lead {
			return c.err
		}
	}
	g.mu.Lock()
	// Leader: commit everything pending, c included, after the linger
	// when every one of them is patient.
	if g.urgent == 0 && g.linger > 0 && !g.hurried && len(g.pending) < groupFull {
		g.lingering = true
		g.mu.Unlock()
		t := time.NewTimer(g.linger)
		select {
		case <-t.C:
		case <-g.nudge:
		}
		t.Stop()
		g.mu.Lock()
		g.lingering = false
		select {
		case <-g.nudge: // one sent after the timer fired
		default:
		}
	}
	calls := g.pending
	for _, p := range calls {
		p.taken = true
	}
	g.pending, g.urgent, g.hurried = nil, 0, false
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

// Hurry makes a commit that lingers for company (see groupCommit) start
// now: a caller is about to wait for one of its patient writes. When no
// commit lingers, the next group does not: the write waited for may not
// have joined one yet.
func (q *Queue) Hurry() {
	g := &q.grp
	g.mu.Lock()
	if g.lingering {
		g.nudgeLocked()
	} else {
		g.hurried = true
	}
	g.mu.Unlock()
}

// nudgeLocked ends a leader's linger; g.mu is held.
func (g *groupCommit) nudgeLocked() {
	if !g.lingering {
		return
	}
	select {
	case g.nudge <- struct{}{}:
	default:
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

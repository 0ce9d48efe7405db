package transfer

import (
	"context"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// A worker is the goroutine of one upload slot: it runs the job the
// dispatcher started it with, then each job it claimed together with the
// previous one's finish (Queue.FinishClaim), until there is none; the
// dispatcher fills the slots no worker keeps.

// mayClaimNext reports whether a worker finishing a job may claim its next
// in the same commit: the engine is not stopping and the parallelism was
// not lowered below what runs.
func (e *Engine) mayClaimNext() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.running && !e.stopping && len(e.active) <= e.parallel
}

// start runs j on a new worker goroutine; the caller holds pubMu.
func (e *Engine) start(j queue.Job) {
	a := newActive(j)
	e.mu.Lock()
	e.active[j.ID] = a
	e.perTarget[j.Target]++
	e.workers.Add(1)
	e.mu.Unlock()
	e.publishJob(j, "", "")
	go e.worker(a)
}

func newActive(j queue.Job) *active {
	ctx, cancel := context.WithCancelCause(context.Background())
	a := &active{job: j, ctx: ctx, cancel: cancel}
	a.total.Store(j.Size)
	return a
}

// worker runs a, then each job claimed with the previous one's finish
// or ahead of it (see ahead.go), on one goroutine.
func (e *Engine) worker(a *active) {
	defer e.workers.Done()
	for a != nil {
		if len(a.aheads) < aheadDepth {
			if h := e.claimAhead(a); h != nil {
				a.aheads = append(a.aheads, h)
			}
		}
		e.work(a.ctx, a)
		a.cancel(nil)
		a = e.handOver(a)
	}
	e.poke()
}

// handOver retires a and returns the active job of a.next (or, when no
// finish took one, of the oldest job claimed ahead of a), put in a's
// place in one step under mu so the dispatcher never counts the slot free
// in between; nil when there is no next job or it must not start after
// all. Cancel, Pause and PauseAll act without waiting for a claim that
// committed outside pubMu, so the queue is asked again: a job no longer
// Running, or claimed just before a global pause, is not started (it is
// requeued in the second case, as it is when the engine is stopping, a
// hold now covers its target or its server is out of reach). The other jobs
// claimed ahead of a go to the next job, or back to the queue when it
// does not start (giveBack). A finish left behind (a.behind) commits once
// the next job took the slot.
func (e *Engine) handOver(a *active) *active {
	if a.next == nil {
		// No finish took one (the upload failed or was stopped): the
		// oldest job claimed ahead runs next.
		if j, ok := a.popAhead(e.q.Hurry); ok {
			a.next = &j
		}
	}
	rest := a.aheads // claimed ahead of a.next: b's, if b starts
	a.aheads = nil
	if a.next == nil {
		e.retire(a, nil)
		return nil // popAhead left none
	}
	b := e.startNext(a, *a.next)
	if b == nil {
		e.giveBack(rest)
	} else {
		b.aheads = rest
	}
	if a.behind != nil {
		if h := e.commitBehind(a, b); h != nil {
			b.aheads = append(b.aheads, h)
		}
	}
	return b
}

// startNext puts the active job of j, claimed for a's worker, in a's
// place and announces it, or requeues j when it must not start after all
// (see handOver); it returns nil then.
func (e *Engine) startNext(a *active, j queue.Job) *active {
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	running, paused, err := e.q.StillClaimed(j.ID, e.opts.Now())
	if err != nil {
		e.opts.Log.Error("transfer: check a claimed job", "job", j.ID, "err", err)
	}
	var b *active
	if running && !paused && err == nil {
		b = newActive(j)
	}
	if e.retire(a, b) {
		if j.Target != a.job.Target {
			e.poke() // a's target has a slot more: the dispatcher may use it
		}
		e.publishJob(j, "", "")
		return b
	}
	if b != nil {
		b.cancel(nil)
	}
	e.leads.done(j.ID)
	if running || err != nil {
		e.requeueClaimed(j)
	}
	return nil
}

// requeueClaimed gives job j, claimed for a worker that will not start
// it, back to the queue and announces it; the caller holds pubMu.
func (e *Engine) requeueClaimed(j queue.Job) {
	if qerr := e.q.Requeue(j.ID); qerr != nil {
		e.queueError(e.opts.Log.With("job", j.ID), "requeue", qerr)
	}
	e.publishID(j.ID, j, queue.Queued)
}

// retire takes a out of the active jobs and, when b is not nil and the
// engine may still start it (not stopping, its target neither held nor
// waiting for its server, see Outage), puts b in its place in the same
// critical section; it reports whether b did.
func (e *Engine) retire(a, b *active) bool {
	e.leads.done(a.job.ID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.active[a.job.ID] == a {
		// A job Finish kept for newer content may be claimed again
		// before this worker is gone: leave the new worker's entry.
		delete(e.active, a.job.ID)
	}
	e.perTarget[a.job.Target]--
	if b == nil || e.stopping || e.held(b.job.Target) || !e.reachAllows(b.job.Target, e.perTarget[b.job.Target], e.opts.Now()) {
		return false
	}
	e.active[b.job.ID] = b
	e.perTarget[b.job.Target]++
	return true
}

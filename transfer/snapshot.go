package transfer

import (
	"context"
	"errors"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// JobStatus is one job in a Snapshot: its queue record and, while it
// uploads, its progress.
type JobStatus struct {
	Job      queue.Job
	Progress *JobProgress // nil unless uploading now
	Reason   string       // Explain of the last error, "" if none
}

// Snapshot returns every job in the queue (in creation order) with the
// progress of those uploading, and the totals of the uploads in flight.
// Errors are the queue's (a corrupt record is skipped and reported).
func (e *Engine) Snapshot() ([]JobStatus, Progress, error) {
	e.mu.Lock()
	list := make([]*active, 0, len(e.active))
	for _, a := range e.active {
		list = append(list, a)
	}
	e.mu.Unlock()
	p := build(list)
	byID := make(map[queue.JobID]*JobProgress, len(p.Jobs))
	for i := range p.Jobs {
		byID[p.Jobs[i].ID] = &p.Jobs[i]
	}
	var out []JobStatus
	err := e.q.Jobs(nil, func(j queue.Job) bool {
		out = append(out, JobStatus{Job: j, Progress: byID[j.ID], Reason: JobReason(j)})
		return true
	})
	return out, p, err
}

// Uploading returns how many uploads run now. The queue may count more
// jobs Running: those claimed for a worker and not started yet (see
// ahead.go), and for a moment those a worker is handing over.
func (e *Engine) Uploading() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.active)
}

// WaitIdle blocks until each job in ids has reached a final state for this
// run: done or cancelled (gone from the queue), failed or paused (it needs
// the user). With no ids it waits until no job is queued, running or
// waiting. It returns ctx's error if ctx ends first, or a queue error.
// `ferry upload` uses it to exit when the files it enqueued are through.
//
// Ids are checked in order and each is checked until it is final, at
// most once every settleCheckEvery: waiting for many jobs costs about one
// read per check, not one per state change.
func (e *Engine) WaitIdle(ctx context.Context, ids ...queue.JobID) error {
	return e.WaitSettled(ctx, 0, ids...)
}

// WaitSettled is WaitIdle for a command that must end: a job waiting for
// its next try after at least attempts failed attempts also counts as
// final (it stays queued, so a later run or `ferry watch` goes on with
// it), as does a job whose target's server attempts tries in a row could
// not reach (Outage.Tries). attempts <= 0 waits like WaitIdle; with no ids
// it is ignored.
func (e *Engine) WaitSettled(ctx context.Context, attempts int, ids ...queue.JobID) error {
	for {
		e.mu.Lock()
		changed := e.changed
		e.mu.Unlock()
		var idle bool
		var err error
		e.settleChecks.Add(1)
		if len(ids) == 0 {
			idle, err = e.queueIdle()
		} else {
			for len(ids) > 0 {
				final, ferr := e.final(ids[0], attempts)
				if ferr != nil || !final {
					err = ferr
					break
				}
				ids = ids[1:]
			}
			idle = len(ids) == 0
		}
		if err != nil || idle {
			return err
		}
		checked := time.Now()
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-changed:
		}
		if err := sleepCtx(ctx, settleCheckEvery-time.Since(checked)); err != nil {
			return err
		}
	}
}

// settleCheckEvery is the shortest time between two checks of one
// WaitSettled. Small files change state thousands of times a second (each
// is queued, running and done), and a waiter that read the queue at every
// change, two of them in `ferry upload`, made about six wake-ups and reads
// a file (issue 20, round 10). A command then ends at most this much after
// its last file.
const settleCheckEvery = 10 * time.Millisecond

// sleepCtx waits d (nothing when d <= 0), or until ctx ends: then it
// returns ctx's cause.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

func (e *Engine) queueIdle() (bool, error) {
	c, err := e.q.Counts()
	if err != nil {
		return false, err
	}
	return c[queue.Queued]+c[queue.Running]+c[queue.Waiting] == 0, nil
}

// final reports whether job id is through for WaitSettled: gone from the
// queue, failed, paused, waiting to retry after attempts failures, or
// waiting for a server that attempts tries in a row could not reach (see
// Outage).
func (e *Engine) final(id queue.JobID, attempts int) (bool, error) {
	j, err := e.q.Get(id)
	if errors.Is(err, queue.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	gaveUp := attempts > 0 && j.State == queue.Waiting && j.Attempts >= attempts
	if attempts > 0 && (j.State == queue.Queued || j.State == queue.Waiting) {
		if o, down := e.reach.get(j.Target); down && o.Tries >= attempts {
			gaveUp = true
		}
	}
	return j.State == queue.Failed || j.State == queue.Paused || gaveUp, nil
}

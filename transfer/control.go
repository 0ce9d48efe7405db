package transfer

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/ferry-sync/ferry/transfer/bwtimetable"
	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// Enqueue adds jobs to the queue in one transaction (coalescing by target
// and remote path, see queue.Enqueue), announces them and wakes the
// dispatcher. It returns the job ids in input order.
func (e *Engine) Enqueue(jobs ...queue.Job) ([]queue.JobID, error) {
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	stored, err := e.q.EnqueueJobs(jobs...)
	if err != nil {
		return nil, err
	}
	ids := make([]queue.JobID, len(stored))
	now, listening := e.opts.Now(), !e.hub.empty()
	for i, j := range stored {
		ids[i] = j.ID
		// The jobs as committed, announced without reading them back
		// (a scan enqueues thousands); pubMu keeps the events in commit
		// order. Nobody listening: no events at all.
		if listening {
			e.hub.publish(Event{Time: now, Job: j})
		}
	}
	// One wake-up of WaitIdle callers for the batch, not one per job.
	e.notifyChanged()
	e.poke()
	return ids, nil
}

// PauseAll stops every upload until ResumeAll, or until until when it is
// not zero. Running uploads stop at once (their sessions are kept, so they
// resume from the last acknowledged chunk) and go back to Queued. The pause
// is persisted in the queue and survives a restart.
func (e *Engine) PauseAll(until time.Time) error {
	if until.IsZero() {
		until = farFuture
	}
	if err := e.q.SetPausedUntil(until); err != nil {
		return err
	}
	e.cancelAll(errPausedAll)
	e.poke()
	return nil
}

// ResumeAll ends a global pause.
func (e *Engine) ResumeAll() error {
	if err := e.q.SetPausedUntil(time.Time{}); err != nil {
		return err
	}
	e.poke()
	return nil
}

// Paused reports whether uploads are paused globally, and until when (the
// zero time for "until resumed").
func (e *Engine) Paused() (bool, time.Time, error) {
	until, err := e.q.PausedUntil()
	if err != nil || !until.After(e.opts.Now()) {
		return false, time.Time{}, err
	}
	if until.Equal(farFuture) {
		until = time.Time{}
	}
	return true, until, nil
}

func (e *Engine) cancelAll(cause error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.active {
		a.cancel(cause)
	}
}

// cancelJob stops job id's worker, if it has one, with cause.
func (e *Engine) cancelJob(id queue.JobID, cause error) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.active[id]
	if ok {
		a.cancel(cause)
	}
	return ok
}

// Pause holds one job (persisted) and stops its upload at once, keeping
// its session for Resume. Errors wrap queue.ErrNotFound or queue.ErrState.
func (e *Engine) Pause(id queue.JobID) error {
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	if err := e.q.Pause(id); err != nil {
		return err
	}
	e.cancelJob(id, errPaused)
	e.publishID(id, queue.Job{ID: id}, queue.Paused)
	return nil
}

// Resume makes a paused job runnable again.
func (e *Engine) Resume(id queue.JobID) error {
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	if err := e.q.Resume(id); err != nil {
		return err
	}
	e.publishID(id, queue.Job{ID: id}, queue.Queued)
	e.poke()
	return nil
}

// Cancel removes a job: the queue records it as cancelled, and a running
// upload is stopped with its provider session aborted (the worker does
// that). A job that is not running but has a saved session gets that
// session aborted in the background. Errors wrap queue.ErrNotFound when
// the job already ended.
func (e *Engine) Cancel(id queue.JobID) error {
	sess, hasSess, serr := e.q.LoadSession(id)
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	j, err := e.q.Cancel(id)
	if err != nil {
		return err
	}
	running := e.cancelJob(id, errCancelled)
	if !running && hasSess && serr == nil {
		e.workers.Add(1)
		go func(j queue.Job) {
			defer e.workers.Done()
			e.abortSaved(j, sess)
		}(j)
	}
	j.State = queue.Cancelled
	e.publishJob(j, "", "")
	return nil
}

// abortSaved removes the server-side leftovers of a cancelled job that was
// not running (best effort; failures are logged).
func (e *Engine) abortSaved(j queue.Job, s queue.Session) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t, err := e.targets.get(ctx, j.Target)
	if err != nil {
		e.opts.Log.Warn("transfer: abort cancelled upload", "job", j.ID, "err", err)
		return
	}
	fu := &fileUpload{e: e, a: &active{job: j}, t: t, u: provider.Upload{
		Dir: remoteDir(j), Name: path.Base(j.RelPath), RelPath: j.RelPath,
		Conflict: provider.ConflictPolicy(j.Conflict),
	}}
	fu.cleanup(ctx, s)
}

// Retry makes a failed or waiting job run now ("Retry now"). A failed job
// starts afresh (its attempts reset: the user has acted). When its
// target's server could not be reached, the next try of that server is
// due now too (see Outage), or the job would still wait for it.
func (e *Engine) Retry(id queue.JobID) error {
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	if err := e.q.Requeue(id); err != nil {
		return err
	}
	if j, err := e.q.Get(id); err == nil {
		e.reach.dueBy(j.Target, e.opts.Now())
	}
	e.publishID(id, queue.Job{ID: id}, queue.Queued)
	e.poke()
	return nil
}

// RetryAll is Retry for every failed and waiting job; it returns how many
// were requeued.
func (e *Engine) RetryAll() (int, error) {
	var ids []queue.JobID
	err := e.q.Jobs(func(j queue.Job) bool { return j.State == queue.Failed || j.State == queue.Waiting },
		func(j queue.Job) bool { ids = append(ids, j.ID); return true })
	n := 0
	for _, id := range ids {
		rerr := e.Retry(id)
		if rerr != nil && !errors.Is(rerr, queue.ErrNotFound) && !errors.Is(rerr, queue.ErrState) {
			err = errors.Join(err, rerr)
			continue
		}
		if rerr == nil {
			n++
		}
	}
	return n, err
}

// SetParallel changes how many files upload at once (n >= 1). Lowering it
// lets running uploads finish; raising it starts more at once.
func (e *Engine) SetParallel(n int) error {
	if n < 1 {
		return fmt.Errorf("set parallel uploads: %d is less than 1", n)
	}
	e.mu.Lock()
	e.parallel = n
	e.mu.Unlock()
	e.poke()
	return nil
}

// SetBandwidth changes the shared limit in bytes per second (0 = none);
// it applies to uploads already running, at once, and replaces a
// timetable (SetSchedule).
func (e *Engine) SetBandwidth(bytesPerSec int64) { e.sched.Set(bwtimetable.Constant(bytesPerSec)) }

// Bandwidth returns the current limit in bytes per second (0 = none).
func (e *Engine) Bandwidth() int64 { return e.bw.limit() }

// ForgetTarget drops a cached target resolution, so the next job of that
// target resolves it again (after the user edited it).
func (e *Engine) ForgetTarget(name string) { e.targets.forget(name) }

// Subscribe returns a new subscription to job state changes and progress
// snapshots; the caller must Close it.
func (e *Engine) Subscribe() *Subscription { return e.hub.subscribe(nil) }

// SubscribeStates is Subscribe for the job state changes whose new state
// keep accepts, without progress snapshots: the others are dropped before
// they are queued, so a reader that only wants outcomes (`ferry watch`'s
// log) holds no memory for the 100,000 Queued announcements of a scan
// while it catches up.
func (e *Engine) SubscribeStates(keep func(queue.State) bool) *Subscription {
	return e.hub.subscribe(func(ev Event) bool { return ev.Progress == nil && keep(ev.Job.State) })
}

package transfer

import (
	"context"
	"errors"

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

// WaitIdle blocks until each job in ids reached a final state for this
// run: done or cancelled (gone from the queue), failed or paused (it
// needs the user). With no ids it waits until no job is queued, running or waiting.
// It returns ctx's error if ctx ends first, or a queue error. `ferry
// upload` uses it to exit when the files it enqueued are through.
func (e *Engine) WaitIdle(ctx context.Context, ids ...queue.JobID) error {
	for {
		e.mu.Lock()
		changed := e.changed
		e.mu.Unlock()
		idle, err := e.idle(ids)
		if err != nil || idle {
			return err
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-changed:
		}
	}
}

func (e *Engine) idle(ids []queue.JobID) (bool, error) {
	if len(ids) == 0 {
		c, err := e.q.Counts()
		if err != nil {
			return false, err
		}
		return c[queue.Queued]+c[queue.Running]+c[queue.Waiting] == 0, nil
	}
	for _, id := range ids {
		j, err := e.q.Get(id)
		if errors.Is(err, queue.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if j.State != queue.Failed && j.State != queue.Paused {
			return false, nil
		}
	}
	return true, nil
}

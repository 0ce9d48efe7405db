package queue

import (
	"fmt"
	"slices"
	"time"
)

// State changes. Each is one transaction. All return an error wrapping
// ErrNotFound for an unknown id and ErrState when the job's state does not
// allow the change; the job is then left as it was.
//
//	from \ to   Queued            Running  Waiting  Failed  Paused  removed
//	new         Enqueue
//	Queued      (Requeue no-op)   Claim                     Pause   Finish, Cancel
//	Running     Requeue           —        Retry    Fail    Pause   Finish, Cancel
//	Waiting     Requeue, Enqueue  Claim                     Pause   Finish, Cancel
//	Failed      Requeue, Enqueue                            Pause   Finish, Cancel
//	Paused      Requeue, Resume                                     Finish, Cancel
//
// Retry and Fail on a job marked Changed (its file was enqueued again while
// it ran) make it Queued afresh instead, exactly as if the change had come
// in just after the failure.

// modify loads job id, lets fn change it, and stores it with Updated set.
func (q *Queue) modify(op string, id JobID, fn func(j *Job) error) error {
	err := q.update(func(t *txn) error {
		j, err := t.getJob(id)
		if err != nil {
			return err
		}
		prev := j
		if err := fn(&j); err != nil {
			return err
		}
		j.Updated = q.now()
		return t.putJob(&prev, j)
	})
	if err != nil {
		return fmt.Errorf("%s job %d: %w", op, id, err)
	}
	return nil
}

func need(j *Job, states ...State) error {
	if slices.Contains(states, j.State) {
		return nil
	}
	return fmt.Errorf("%w: job is %s", ErrState, j.State)
}

// fresh makes j a new Queued attempt: the state a change of the file brings.
func fresh(j *Job) {
	j.State = Queued
	j.Attempts, j.ErrKind, j.ErrMsg = 0, "", ""
	j.NextAttempt = time.Time{}
}

// Retry records a failed attempt of a Running job and schedules the next
// one: Running -> Waiting at next (a zero or past next is due at once),
// Attempts+1, ErrKind and ErrMsg set.
func (q *Queue) Retry(id JobID, next time.Time, kind, msg string) error {
	return q.retry(id, next, kind, msg, false)
}

// retry is Retry; interrupted sets the job's Interrupted mark again.
func (q *Queue) retry(id JobID, next time.Time, kind, msg string, interrupted bool) error {
	return q.modify("retry", id, func(j *Job) error {
		if err := need(j, Running); err != nil {
			return err
		}
		j.Interrupted = j.Interrupted || interrupted
		if j.Changed {
			fresh(j)
			return nil
		}
		j.State = Waiting
		j.Attempts++
		j.NextAttempt = next.UTC()
		j.ErrKind, j.ErrMsg = kind, msg
		return nil
	})
}

// RetryInterrupted is Retry for an attempt that found its file missing
// while a request of a process that died may have stored it (the job was
// claimed Interrupted): the mark is set again, so the attempt after the
// file is back (a folder moved away and back, a tool that replaces a
// file by deleting it first) resumes the saved session or warns that the
// file may be stored twice, as the first attempt after the restart would
// have.
func (q *Queue) RetryInterrupted(id JobID, next time.Time, kind, msg string) error {
	return q.retry(id, next, kind, msg, true)
}

// Fail parks a Running job until the user acts (auth, permanent, too
// large, quota): Running -> Failed, Attempts+1, ErrKind and ErrMsg set. The
// job keeps its key and session, so a new change of the file or Requeue
// brings it back.
func (q *Queue) Fail(id JobID, kind, msg string) error {
	return q.modify("fail", id, func(j *Job) error {
		if err := need(j, Running); err != nil {
			return err
		}
		if j.Changed {
			fresh(j)
			return nil
		}
		j.State = Failed
		j.Attempts++
		j.ErrKind, j.ErrMsg = kind, msg
		return nil
	})
}

// Requeue makes a job Queued now: the user's "Retry now" and "resume", or
// the engine handing a Running job back (shutdown, file changed under it).
// A Failed job starts afresh (Attempts 0, error cleared: the user has acted);
// Waiting, Paused and Running jobs keep Attempts and the last error. Queued
// stays Queued (idempotent).
func (q *Queue) Requeue(id JobID) error {
	return q.modify("requeue", id, func(j *Job) error {
		if err := need(j, Queued, Running, Waiting, Failed, Paused); err != nil {
			return err
		}
		if j.State == Failed {
			fresh(j)
			return nil
		}
		j.State = Queued
		j.NextAttempt = time.Time{}
		return nil
	})
}

// Due makes a Waiting job Queued now, keeping its attempts and last error:
// the engine's, when the reason it waited has gone (its server can be
// reached again). A job in any other state is left as it is (ErrState):
// it was claimed, paused or finished meanwhile.
func (q *Queue) Due(id JobID) error {
	return q.modify("make due", id, func(j *Job) error {
		if err := need(j, Waiting); err != nil {
			return err
		}
		j.State = Queued
		j.NextAttempt = time.Time{}
		return nil
	})
}

// Pause holds a live job until Resume or Requeue; persisted, so it survives
// a restart. Pausing a Running job does not stop its worker: the engine
// cancels the worker itself, whose later Retry/Fail then get ErrState.
// Paused stays Paused (idempotent).
func (q *Queue) Pause(id JobID) error {
	return q.modify("pause", id, func(j *Job) error {
		if err := need(j, Queued, Running, Waiting, Failed, Paused); err != nil {
			return err
		}
		j.State = Paused
		j.NextAttempt = time.Time{}
		return nil
	})
}

// Resume makes a Paused job Queued (Attempts and last error kept); a Queued
// job is left alone (idempotent); other states fail with ErrState.
func (q *Queue) Resume(id JobID) error {
	return q.modify("resume", id, func(j *Job) error {
		if err := need(j, Paused, Queued); err != nil {
			return err
		}
		j.State = Queued
		return nil
	})
}

// SetWarning stores a note that does not stop the job ("" clears it).
func (q *Queue) SetWarning(id JobID, w string) error {
	return q.modify("set warning on", id, func(j *Job) error {
		j.Warning = w
		return nil
	})
}

// Update lets fn change job id in one transaction, with indexes and counts
// kept in step. fn gets a copy; returning an error aborts with nothing
// stored. fn may not change ID, Target, RemoteDir or RelPath (the key) and
// must leave a live state, else Update fails with ErrInvalid. fn runs inside
// the write transaction and must not call the Queue.
func (q *Queue) Update(id JobID, fn func(*Job) error) error {
	return q.modify("update", id, func(j *Job) error {
		key := j.Key()
		if err := fn(j); err != nil {
			return err
		}
		switch {
		case j.ID != id:
			return fmt.Errorf("%w: id changed to %d", ErrInvalid, j.ID)
		case j.Key() != key:
			return fmt.Errorf("%w: target or path changed", ErrInvalid)
		case !j.State.Live():
			return fmt.Errorf("%w: state %q is not a live state", ErrInvalid, j.State)
		}
		j.NextAttempt = j.NextAttempt.UTC()
		return nil
	})
}

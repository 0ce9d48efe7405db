package queue

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// Enqueue adds jobs in one transaction (callers pass thousands at once; one
// fsync for all) and returns their ids in input order.
//
// Each job gets an ID, State Queued, Created and Updated; fields the caller
// set for those are ignored. Jobs coalesce by Key(): when a live job already
// holds the key (including one added earlier in the same batch) it is
// updated in place and its id returned:
//   - Size, ModTime, Root, Origin and Conflict take the new values, and
//     Warning too when the new job has one;
//   - Attempts goes to 0, ErrKind and ErrMsg are cleared;
//   - Queued, Waiting and Failed become Queued; Paused stays Paused;
//   - Running stays Running with Changed set (see Changed).
//
// A job with an empty Target, or a RelPath or RemoteDir that is absolute,
// unclean or escapes with "..", fails the whole batch with ErrInvalid and
// nothing is stored.
func (q *Queue) Enqueue(jobs ...Job) ([]JobID, error) {
	for i, j := range jobs {
		if err := validate(j); err != nil {
			return nil, fmt.Errorf("enqueue job %d of %d: %w", i+1, len(jobs), err)
		}
	}
	ids := make([]JobID, len(jobs))
	now := q.now()
	err := q.update(func(t *txn) error {
		for i, j := range jobs {
			id, err := t.enqueue(j, now)
			if err != nil {
				return err
			}
			ids[i] = id
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("enqueue: %w", err)
	}
	return ids, nil
}

func (t *txn) enqueue(in Job, now time.Time) (JobID, error) {
	key := []byte(in.Key())
	if v := t.bykey.Get(key); v != nil {
		id, ok := keyID(v)
		if !ok {
			return 0, fmt.Errorf("key %q: %w: bad id %x", in.Key(), ErrCorrupt, v)
		}
		j, err := t.getJob(id)
		if err != nil {
			return 0, err
		}
		prev := j
		coalesce(&j, in)
		j.Updated = now
		return id, t.putJob(&prev, j)
	}
	seq, err := t.jobs.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("allocate job id: %w", err)
	}
	j := Job{
		ID:        JobID(seq),
		Target:    in.Target,
		Origin:    in.Origin,
		Root:      in.Root,
		RelPath:   in.RelPath,
		RemoteDir: in.RemoteDir,
		Conflict:  in.Conflict,
		Size:      in.Size,
		ModTime:   in.ModTime,
		Warning:   in.Warning,
		State:     Queued,
		Created:   now,
		Updated:   now,
	}
	if err := t.bykey.Put(key, idKey(j.ID)); err != nil {
		return 0, fmt.Errorf("index key of job %d: %w", j.ID, err)
	}
	return j.ID, t.putJob(nil, j)
}

// coalesce folds a new change of the same file into the live job j.
func coalesce(j *Job, in Job) {
	j.Size, j.ModTime = in.Size, in.ModTime
	j.Root, j.Origin, j.Conflict = in.Root, in.Origin, in.Conflict
	if in.Warning != "" {
		j.Warning = in.Warning
	}
	j.Attempts, j.ErrKind, j.ErrMsg = 0, "", ""
	switch j.State {
	case Queued, Waiting, Failed:
		j.State = Queued
		j.NextAttempt = time.Time{}
	case Running:
		j.Changed = true
	}
}

// validate refuses jobs whose paths could escape the root or the target's
// folder once joined, and jobs that cannot be keyed.
func validate(j Job) error {
	if j.Target == "" {
		return fmt.Errorf("%w: empty target", ErrInvalid)
	}
	if strings.ContainsRune(j.Target, 0) {
		return fmt.Errorf("%w: target contains NUL", ErrInvalid)
	}
	if j.RelPath == "" {
		return fmt.Errorf("%w: empty relative path", ErrInvalid)
	}
	if err := checkRel("relative path", j.RelPath); err != nil {
		return err
	}
	if j.RemoteDir != "" {
		return checkRel("remote folder", j.RemoteDir)
	}
	return nil
}

func checkRel(what, p string) error {
	switch {
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("%w: %s %q contains NUL", ErrInvalid, what, p)
	case path.IsAbs(p):
		return fmt.Errorf("%w: %s %q is absolute", ErrInvalid, what, p)
	case path.Clean(p) != p:
		return fmt.Errorf("%w: %s %q is not clean", ErrInvalid, what, p)
	case p == ".":
		return fmt.Errorf("%w: %s is \".\"", ErrInvalid, what)
	case p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("%w: %s %q escapes its root", ErrInvalid, what, p)
	}
	return nil
}

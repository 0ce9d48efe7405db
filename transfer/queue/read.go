package queue

import (
	"errors"
	"fmt"
)

// Get returns job id. Errors wrap ErrNotFound for an unknown id, or a
// *CorruptJobError (wrapping ErrCorrupt) for a damaged record.
func (q *Queue) Get(id JobID) (Job, error) {
	var j Job
	err := q.viewOnly(useJobs, func(t *txn) error {
		var err error
		j, err = t.getJob(id)
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("get: %w", err)
	}
	return j, nil
}

// GetMany is Get for many ids in one read transaction (a scan enqueues
// thousands of jobs at once, and a transaction per job was most of the
// cost of announcing them). errs[i] is Get's error for ids[i], nil when
// jobs[i] holds the job.
func (q *Queue) GetMany(ids []JobID) (jobs []Job, errs []error) {
	jobs, errs = make([]Job, len(ids)), make([]error, len(ids))
	err := q.viewOnly(useJobs, func(t *txn) error {
		for i, id := range ids {
			jobs[i], errs[i] = t.getJob(id)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("get: %w", errs[i])
			}
		}
		return nil
	})
	if err != nil {
		for i := range errs {
			jobs[i], errs[i] = Job{}, fmt.Errorf("get: %w", err)
		}
	}
	return jobs, errs
}

// Jobs calls fn for every job that filter accepts (nil = all), in id order
// (creation order), until fn returns false. Both run on the caller's
// goroutine inside one read transaction (a consistent snapshot), so they
// must not call Queue methods that write: a write waiting for this snapshot
// to end would deadlock.
//
// A corrupt record is skipped and iteration continues: fn sees every valid
// job, and Jobs then returns an error joining one *CorruptJobError per
// skipped record (in id order), so one damaged record never hides the rest.
func (q *Queue) Jobs(filter func(Job) bool, fn func(Job) bool) error {
	var errs []error
	err := q.view(func(t *txn) error {
		errs = nil
		c := t.jobs.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			id, ok := keyID(k)
			j, err := decodeJobShared(v, &t.strs)
			if err == nil && (!ok || j.ID != id) {
				err = fmt.Errorf("%w: record under key %x holds id %d", ErrCorrupt, k, j.ID)
			}
			if err != nil {
				errs = append(errs, &CorruptJobError{ID: id, Err: err})
				continue
			}
			if filter != nil && !filter(j) {
				continue
			}
			if !fn(j) {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("jobs: %w", errors.Join(errs...))
	}
	return nil
}

// Counts returns how many jobs are in each live state (every live state is
// present, zeros included). It reads counters the queue keeps in step with
// every change, so it costs a few reads however long the queue is.
func (q *Queue) Counts() (map[State]int, error) {
	out := make(map[State]int, 5)
	err := q.viewOnly(useCounts, func(t *txn) error {
		for _, s := range []State{Queued, Running, Waiting, Failed, Paused} {
			out[s] = int(t.count(s))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("counts: %w", err)
	}
	return out, nil
}

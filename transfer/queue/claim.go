package queue

import (
	"bytes"
	"fmt"
	"slices"
	"time"
)

// Claim atomically picks the oldest runnable job (lowest id among Queued
// jobs and Waiting jobs whose NextAttempt is not after now), sets it
// Running with Changed and Interrupted cleared, and returns it (with
// Interrupted as it was) and true. It returns false
// when nothing is runnable or allow refused every candidate.
//
// allow (nil = everything) is how the engine enforces per-target limits. It
// is asked about the oldest runnable job of each target, oldest first, and
// a refusal skips that target for this call: allow must decide per target
// (slots, backoff, auth state), not per file. That is what keeps Claim at a
// handful of index reads with 100,000 jobs queued behind a saturated
// target. allow runs inside the write transaction, which it may share
// with other goroutines' writes (and then run on one of their goroutines,
// and more than once); it must be quick, must not call the Queue and must
// not need a lock that a caller of the Queue holds.
//
// Claim never looks at PausedUntil; the engine checks the pause flag before
// it claims. A job whose record is corrupt or missing is taken out of the
// ready index (the rest of the transaction commits) and Claim returns an
// error wrapping ErrCorrupt naming it; the next call goes past it.
func (q *Queue) Claim(now time.Time, allow func(Job) bool) (Job, bool, error) {
	return q.ClaimPassing(now, Picker{Allow: allow})
}

// Picker is how a claim chooses among runnable jobs. Allow decides per
// target, as Claim's allow does. Later (nil = never) decides per job, for
// a job Allow let through: true passes that job over for the next
// runnable job of its target, up to PassOverLimit of them; the job stays
// where it is in the order. When every job looked at was passed over, the
// first of them is claimed all the same, so Later may reorder the work but
// never hold it back; unless Strict, for a claim made in advance, which
// then claims nothing. Later has allow's contract (quick, inside the write
// transaction, possibly more than once, without calling the Queue).
//
// Behind marks a claim its caller does not wait for now: one made ahead
// of need, or made with a finish committed behind the next upload. Its
// commit may wait up to Options.GroupLinger for other writes to share it
// (see groupCommit); a caller that comes to wait for it calls Hurry.
type Picker struct {
	Allow  func(Job) bool
	Later  func(Job) bool
	Strict bool
	Behind bool
}

// PassOverLimit is how many runnable jobs of one target a claim looks at
// behind one that Picker.Later passed over: it bounds the records a claim
// reads inside the write transaction.
const PassOverLimit = 256

// ClaimPassing is Claim with a Picker.
func (q *Queue) ClaimPassing(now time.Time, pick Picker) (Job, bool, error) {
	var (
		out     Job
		ok      bool
		damaged error
	)
	// A group commit: the run may be repeated, so it resets its results.
	err := q.groupAs(pick.Behind, func(t *txn) error {
		var err error
		out, ok, damaged, err = t.claim(now, pick)
		return err
	})
	if err != nil {
		return Job{}, false, fmt.Errorf("claim: %w", err)
	}
	if damaged != nil {
		return Job{}, false, fmt.Errorf("claim: skipped %w", damaged)
	}
	return out, ok, nil
}

// claim is Claim's work inside transaction t: the job claimed (with
// Interrupted as it was) and true, or false; damaged names a corrupt or
// misfiled record taken out of the ready index (the transaction must still
// commit, to keep it out).
func (t *txn) claim(now time.Time, pick Picker) (out Job, ok bool, damaged, err error) {
	if err := t.promoteDue(now); err != nil {
		return Job{}, false, nil, err
	}
	heads, err := t.readyHeads()
	if err != nil {
		return Job{}, false, nil, err
	}
	var passed *Job // the first job Later passed over, claimed when nothing else is
	for _, h := range heads {
		j, err := t.getJob(h.id)
		if isCorruptOrMissing(err) {
			return Job{}, false, err, t.ready.Bucket([]byte(h.target)).Delete(idKey(h.id))
		}
		if err != nil {
			return Job{}, false, nil, err
		}
		if j.State != Queued && j.State != Waiting {
			damaged := fmt.Errorf("job %d: %w: %s but in the ready index", j.ID, ErrCorrupt, j.State)
			return Job{}, false, damaged, t.ready.Bucket([]byte(h.target)).Delete(idKey(h.id))
		}
		if pick.Allow != nil && !pick.Allow(j) {
			continue
		}
		if pick.Later == nil || !pick.Later(j) {
			return t.take(j, now)
		}
		if next, found, err := t.pastLater(h, pick.Later); err != nil || found {
			if err != nil {
				return Job{}, false, nil, err
			}
			return t.take(next, now)
		}
		if passed == nil {
			passed = &j
		}
	}
	if passed != nil && !pick.Strict {
		return t.take(*passed, now)
	}
	return Job{}, false, nil, nil
}

// pastLater looks at the runnable jobs of h's target behind h, oldest
// first and at most PassOverLimit of them, for one later does not pass
// over. A record that cannot be read, or is not runnable, ends the search
// (the next claim's head check deals with it).
func (t *txn) pastLater(h head, later func(Job) bool) (Job, bool, error) {
	c := t.ready.Bucket([]byte(h.target)).Cursor()
	k, _ := c.Seek(idKey(h.id))
	for n := 0; n < PassOverLimit; n++ {
		if k, _ = c.Next(); k == nil {
			return Job{}, false, nil
		}
		id, ok := keyID(k)
		if !ok {
			return Job{}, false, nil
		}
		j, err := t.getJob(id)
		if isCorruptOrMissing(err) || (err == nil && j.State != Queued && j.State != Waiting) {
			return Job{}, false, nil
		}
		if err != nil {
			return Job{}, false, err
		}
		if !later(j) {
			return j, true, nil
		}
	}
	return Job{}, false, nil
}

// take sets j Running, claimed at now.
func (t *txn) take(j Job, now time.Time) (Job, bool, error, error) {
	prev := j
	j.State = Running
	j.Changed = false
	j.Updated = now
	interrupted := j.Interrupted
	j.Interrupted = false
	if err := t.putJob(&prev, j); err != nil {
		return Job{}, false, nil, err
	}
	j.Interrupted = interrupted
	return j, true, nil, nil
}

type head struct {
	id     JobID
	target string
}

// readyHeads returns the lowest ready id of every target, lowest first.
func (t *txn) readyHeads() ([]head, error) {
	var heads []head
	err := t.ready.ForEachBucket(func(name []byte) error {
		k, _ := t.ready.Bucket(name).Cursor().First()
		if k == nil {
			return nil
		}
		id, ok := keyID(k)
		if !ok {
			return fmt.Errorf("ready index of %q: %w: bad key %x", name, ErrCorrupt, k)
		}
		heads = append(heads, head{id: id, target: string(name)})
		return nil
	})
	slices.SortFunc(heads, func(a, b head) int { return cmpID(a.id, b.id) })
	return heads, err
}

func cmpID(a, b JobID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// promoteDue moves Waiting jobs whose time has come from the waiting index
// to their target's ready index, where they sort by id among Queued jobs.
// Their state stays Waiting (the UI still shows the last error) until
// claimed. Each job is promoted once, so the cost is amortised.
func (t *txn) promoteDue(now time.Time) error {
	limit := timeKey(now)
	c := t.waiting.Cursor()
	for k, v := c.First(); k != nil; k, v = c.First() {
		if len(k) != timeKeyLen+8 {
			return fmt.Errorf("waiting index: %w: bad key %x", ErrCorrupt, k)
		}
		if bytes.Compare(k[:timeKeyLen], limit) > 0 {
			return nil
		}
		id, _ := keyID(k[timeKeyLen:])
		b, err := t.ready.CreateBucketIfNotExists(v)
		if err == nil {
			err = b.Put(idKey(id), []byte{})
		}
		if err == nil {
			err = c.Delete()
		}
		if err != nil {
			return fmt.Errorf("promote job %d: %w", id, err)
		}
	}
	return nil
}

// NextWake returns the earliest NextAttempt among Waiting jobs that Claim
// has not yet found due, and false when there is none. The engine sleeps
// until then (or until something is enqueued or a slot frees) and calls
// Claim. Jobs already found due sit in the ready index and are not
// reported again, so a refused claim does not turn into a busy loop.
func (q *Queue) NextWake() (time.Time, bool, error) {
	var (
		at time.Time
		ok bool
	)
	err := q.viewOnly(useWaiting, func(t *txn) error {
		k, _ := t.waiting.Cursor().First()
		if k == nil {
			return nil
		}
		if len(k) != timeKeyLen+8 {
			return fmt.Errorf("waiting index: %w: bad key %x", ErrCorrupt, k)
		}
		at, ok = keyTime(k), true
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next wake: %w", err)
	}
	return at, ok, nil
}

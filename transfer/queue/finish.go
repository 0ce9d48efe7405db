package queue

import (
	"errors"
	"fmt"
	"time"
)

// Finish ends job id in one transaction: the history entry is appended
// (oldest dropped past HistoryLimit), the sent index for the job's key is
// set to fp when fp is non-nil, and the job is removed with its key,
// session and index entries. It works from any live state, so an upload
// that completed while the user pressed Pause is not thrown away.
//
// Empty fields of entry are filled from the job: JobID, Target, Root,
// RelPath, RemotePath (Job.RemotePath), Size, Warning; Outcome defaults to
// Done and Finished to now. Outcome must be Done, Cancelled or Failed
// (failed for good), else ErrInvalid.
//
// When the outcome is Done but the job is marked Changed (its file was
// enqueued again after the engine's last ClearChanged), the history and
// sent index are still written for what was uploaded, but the job stays,
// Queued afresh with its session dropped, so the newer content is sent
// too; unless fp records the very size and mtime the job was enqueued
// again with: then the later enqueue named the version just uploaded (a
// watcher's rescan that read the file while it was being sent), and
// keeping the job would send that version a second time. The engine's protocol: re-stat the file before finalizing; if it
// still matches what was uploaded, ClearChanged, then Finish.
//
// Errors wrap ErrNotFound for an unknown id, or the write error; nothing
// is changed then.
func (q *Queue) Finish(id JobID, entry HistoryEntry, fp *Fingerprint) error {
	if entry.Outcome == "" {
		entry.Outcome = Done
	}
	switch entry.Outcome {
	case Done, Cancelled, Failed:
	default:
		return fmt.Errorf("finish job %d: %w: outcome %q", id, ErrInvalid, entry.Outcome)
	}
	now := q.now()
	// One file's last write: shared with other files' writes of the moment.
	err := q.group(func(t *txn) error {
		_, _, err := t.finish(id, entry, fp, now, q.limit)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish job %d: %w", id, err)
	}
	if fp != nil {
		q.sentChanges.Add(1) // after the commit: see SentChanges
	}
	return nil
}

// FinishClaimed is what FinishClaim did.
type FinishClaimed struct {
	// Next is the job claimed, as Claim returns it, when Claimed.
	Next    Job
	Claimed bool
	// Kept is the finished job as it stays queued for newer content (see
	// Finish), when IsKept.
	Kept   Job
	IsKept bool
	// FinishErr is why the job could not be finished (ErrNotFound: it was
	// cancelled meanwhile); the claim was made all the same.
	FinishErr error
	// ClaimErr names a corrupt record the claim took out of the ready index
	// (as Claim reports it); the finish is durable all the same.
	ClaimErr error
}

// FinishClaim is Finish (outcome Done) followed, in the same transaction,
// by Claim: a worker that ends one file takes its next with one commit
// instead of two. The claim is made only when the global pause
// (PausedUntil) is not after now; pick has ClaimPassing's contract, and
// pick.Behind makes the whole commit patient (the finish too). The error is
// a failed transaction (nothing changed then) or an invalid entry; what
// each half did is in the result.
func (q *Queue) FinishClaim(id JobID, entry HistoryEntry, fp *Fingerprint, now time.Time, pick Picker) (FinishClaimed, error) {
	if entry.Outcome == "" {
		entry.Outcome = Done
	}
	if entry.Outcome != Done {
		return FinishClaimed{}, fmt.Errorf("finish job %d: %w: outcome %q", id, ErrInvalid, entry.Outcome)
	}
	finished := q.now()
	var r FinishClaimed
	err := q.groupAs(pick.Behind, func(t *txn) error {
		r = FinishClaimed{}
		kept, isKept, err := t.finish(id, entry, fp, finished, q.limit)
		switch {
		case errors.Is(err, ErrNotFound):
			r.FinishErr = fmt.Errorf("finish job %d: %w", id, err)
		case err != nil:
			return err
		}
		r.Kept, r.IsKept = kept, isKept
		if paused, err := t.pausedUntil(); err != nil || paused.After(now) {
			return err
		}
		r.Next, r.Claimed, r.ClaimErr, err = t.claim(now, pick)
		return err
	})
	if err != nil {
		return FinishClaimed{}, fmt.Errorf("finish job %d and claim the next: %w", id, err)
	}
	if fp != nil && r.FinishErr == nil {
		q.sentChanges.Add(1) // after the commit: see SentChanges
	}
	if r.ClaimErr != nil {
		r.ClaimErr = fmt.Errorf("claim: skipped %w", r.ClaimErr)
	}
	return r, nil
}

// finish is Finish's work inside transaction t. It returns the job as it
// stays queued and true when it is kept for newer content.
func (t *txn) finish(id JobID, entry HistoryEntry, fp *Fingerprint, now time.Time, limit int) (Job, bool, error) {
	j, err := t.getJob(id)
	if err != nil {
		return Job{}, false, err
	}
	if err := t.appendHistory(historyFor(j, entry, now), limit); err != nil {
		return Job{}, false, err
	}
	if fp != nil {
		if err := t.sent.Put([]byte(j.Key()), encodeFingerprint(*fp)); err != nil {
			return Job{}, false, fmt.Errorf("record sent: %w", err)
		}
	}
	if entry.Outcome == Done && j.Changed && !(fp != nil && fp.Size == j.Size && fp.ModTime.Equal(j.ModTime)) {
		prev := j
		fresh(&j)
		j.Updated = now
		if err := t.sessions.Delete(idKey(id)); err != nil {
			return Job{}, false, fmt.Errorf("drop session: %w", err)
		}
		return j, true, t.putJob(&prev, j)
	}
	return Job{}, false, t.deleteJob(j)
}

// StillClaimed reports whether job id is still Running (running) and
// whether a global pause (PausedUntil) is in force at now (paused): what a
// worker checks before it starts a job claimed outside the engine's event
// lock, in case a Cancel, Pause or PauseAll came in between. A job still
// Running under a pause is the worker's to requeue.
func (q *Queue) StillClaimed(id JobID, now time.Time) (running, paused bool, err error) {
	err = q.viewOnly(useJobs|useSettings, func(t *txn) error {
		running, paused = false, false
		j, err := t.getJob(id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		until, err := t.pausedUntil()
		running, paused = j.State == Running, until.After(now)
		return err
	})
	if err != nil {
		return false, false, fmt.Errorf("check job %d: %w", id, err)
	}
	return running, paused, nil
}

// Cancel removes a live job (with its session) and appends a Cancelled
// history entry. It returns the job as it was, so the engine can stop its
// worker and abort the provider session. Errors wrap ErrNotFound for an
// unknown id (already finished or cancelled).
func (q *Queue) Cancel(id JobID) (Job, error) {
	var out Job
	now := q.now()
	err := q.update(func(t *txn) error {
		j, err := t.getJob(id)
		if err != nil {
			return err
		}
		out = j
		if err := t.appendHistory(historyFor(j, HistoryEntry{Outcome: Cancelled}, now), q.limit); err != nil {
			return err
		}
		return t.deleteJob(j)
	})
	if err != nil {
		return Job{}, fmt.Errorf("cancel job %d: %w", id, err)
	}
	return out, nil
}

func historyFor(j Job, h HistoryEntry, now time.Time) HistoryEntry {
	if h.JobID == 0 {
		h.JobID = j.ID
	}
	if h.Target == "" {
		h.Target = j.Target
	}
	if h.Root == "" {
		h.Root = j.Root
	}
	if h.RelPath == "" {
		h.RelPath = j.RelPath
	}
	if h.RemotePath == "" {
		h.RemotePath = j.RemotePath()
	}
	if h.Size == 0 {
		h.Size = j.Size
	}
	if h.Warning == "" {
		h.Warning = j.Warning
	}
	if h.Finished.IsZero() {
		h.Finished = now
	}
	h.Finished = h.Finished.UTC()
	return h
}

// Changed reports whether job id's file was enqueued again since the job
// was claimed or since the last ClearChanged. It is the engine's check
// before finalizing: a true answer means the size and mtime the upload
// started with are stale, so the engine re-stats the file and either
// restarts (Requeue) or, if what it sent is current, calls ClearChanged.
func (q *Queue) Changed(id JobID) (bool, error) {
	j, err := q.Get(id)
	if err != nil {
		return false, fmt.Errorf("changed: %w", err)
	}
	return j.Changed, nil
}

// ClearChanged resets the Changed mark; idempotent.
func (q *Queue) ClearChanged(id JobID) error {
	return q.modify("clear changed on", id, func(j *Job) error {
		j.Changed = false
		return nil
	})
}

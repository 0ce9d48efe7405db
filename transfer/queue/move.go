package queue

import (
	"bytes"
	"fmt"
	"path"
)

// coalesceMove folds a new change of a path into the live job j's move
// marks. A move enqueued onto a waiting upload of the same version turns
// it into the move (a running upload goes on; the engine checks before
// moving that the file is still the version uploaded); a new version of
// the file enqueued onto a move turns it back into an upload, because the
// server's file is no longer the content at the new path.
func coalesceMove(j *Job, in Job, newVersion bool) {
	switch {
	case in.MoveFrom != "" && j.State != Running:
		j.MoveFrom, j.MoveDir = in.MoveFrom, in.MoveDir
	case in.MoveFrom == "" && j.MoveFrom != "" && !j.MoveDir && newVersion:
		j.MoveFrom, j.MoveDir = "", false
	}
}

// OldRemotePath is where a move job's file or folder was uploaded, below
// the target's root; "" for an upload job.
func (j Job) OldRemotePath() string {
	if j.MoveFrom == "" {
		return ""
	}
	return path.Join(j.RemoteDir, j.MoveFrom)
}

// FinishMove ends move job id after the server moved the item, in one
// transaction: the sent index's record of the old path (for a folder,
// every record below it) is re-keyed to the new path, keeping its
// fingerprint (remoteID replaces the file's recorded id when not empty),
// the history entry is appended as for Finish, and the job is removed.
// When the job is marked Changed (a new version was enqueued while the
// move ran), it stays as an upload of the new path, Queued afresh.
// Errors wrap ErrNotFound for an unknown id, ErrInvalid for a job that is
// not a move; nothing is changed then.
func (q *Queue) FinishMove(id JobID, entry HistoryEntry, remoteID string) error {
	if entry.Outcome == "" {
		entry.Outcome = Done
	}
	now := q.now()
	err := q.update(func(t *txn) error {
		j, err := t.getJob(id)
		if err != nil {
			return err
		}
		if j.MoveFrom == "" {
			return fmt.Errorf("%w: not a move job", ErrInvalid)
		}
		if err := t.rekeySent(j, remoteID); err != nil {
			return err
		}
		if err := t.appendHistory(historyFor(j, entry, now), q.limit); err != nil {
			return err
		}
		if j.Changed && !j.MoveDir {
			prev := j
			fresh(&j)
			j.MoveFrom, j.Updated = "", now
			return t.putJob(&prev, j)
		}
		return t.deleteJob(j)
	})
	if err != nil {
		return fmt.Errorf("finish move job %d: %w", id, err)
	}
	return nil
}

// rekeySent moves j's sent records from its old path to its new one.
func (t *txn) rekeySent(j Job, remoteID string) error {
	oldKey, newKey := sentKey(j.Target, j.OldRemotePath()), sentKey(j.Target, j.RemotePath())
	if !j.MoveDir {
		v := t.sent.Get(oldKey)
		if v == nil {
			return nil // never recorded, or re-keyed by an earlier try
		}
		fp, err := decodeFingerprint(v)
		if err != nil {
			return t.sent.Delete(oldKey) // a damaged record: the new path is uploaded when it changes
		}
		if remoteID != "" {
			fp.RemoteID = remoteID
		}
		if err := t.sent.Delete(oldKey); err != nil {
			return fmt.Errorf("re-key sent: %w", err)
		}
		if err := t.sent.Put(newKey, encodeFingerprint(fp)); err != nil {
			return fmt.Errorf("re-key sent: %w", err)
		}
		return nil
	}
	oldPrefix := append(oldKey, '/')
	type record struct{ k, v []byte }
	var moved []record
	c := t.sent.Cursor()
	for k, v := c.Seek(oldPrefix); k != nil && bytes.HasPrefix(k, oldPrefix); k, v = c.Next() {
		moved = append(moved, record{bytes.Clone(k), bytes.Clone(v)})
	}
	// Cursor positions are not stable under writes: collect, then write.
	for _, m := range moved {
		if err := t.sent.Delete(m.k); err != nil {
			return fmt.Errorf("re-key sent: %w", err)
		}
	}
	for _, m := range moved {
		nk := append(append(append([]byte(nil), newKey...), '/'), m.k[len(oldPrefix):]...)
		if err := t.sent.Put(nk, m.v); err != nil {
			return fmt.Errorf("re-key sent: %w", err)
		}
	}
	return nil
}

// MoveFailed turns running move job id into an upload of its new path
// (Queued afresh) with warning as its note: the server could not move the
// file, so it is sent again and the old copy stays. For a folder move it
// is ErrInvalid: the engine splits those into file jobs instead.
func (q *Queue) MoveFailed(id JobID, warning string) error {
	return q.modify("fall back to upload", id, func(j *Job) error {
		if err := need(j, Running); err != nil {
			return err
		}
		if j.MoveFrom == "" || j.MoveDir {
			return fmt.Errorf("%w: not a file move job", ErrInvalid)
		}
		fresh(j)
		j.MoveFrom, j.Warning = "", warning
		return nil
	})
}

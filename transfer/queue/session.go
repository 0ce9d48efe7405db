package queue

import (
	"fmt"
)

// SaveSession stores job id's upload progress, replacing the previous one.
// The engine calls it after every acknowledged chunk from many workers at
// once, so it is a group commit: concurrent saves (and claims and
// finishes) share one transaction and one fsync, and a lone call commits
// at once. It returns when the session is durable.
//
// Errors wrap ErrNotFound when the job no longer exists (cancelled or
// finished meanwhile): a late save must not resurrect a session nobody
// will delete.
func (q *Queue) SaveSession(id JobID, s Session) error {
	if err := q.group(saveSessionFn(id, s)); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// SaveSessionPatient starts SaveSession for a save nobody waits for yet
// (see groupCommit): it may wait for company, up to the linger, until
// Wait is called. A later SaveSession or SaveSessionPatient of the same job
// commits with it or after it, never before. The error Wait returns is
// SaveSession's.
func (q *Queue) SaveSessionPatient(id JobID, s Session) *PatientWrite {
	return q.groupPatient("save session", saveSessionFn(id, s))
}

// saveSessionFn is the group function that stores s as job id's session.
func saveSessionFn(id JobID, s Session) func(t *txn) error {
	rec := encodeSession(s)
	return func(t *txn) error {
		// This may run more than once; it only writes, so that is safe.
		k := idKey(id)
		if t.jobs.Get(k) == nil {
			return fmt.Errorf("job %d: %w", id, ErrNotFound)
		}
		return t.sessions.Put(k, rec)
	}
}

// LoadSession returns job id's saved session and true, or false when none
// was saved. A damaged record yields an error wrapping ErrCorrupt; the
// engine then drops it and starts the file from byte 0.
func (q *Queue) LoadSession(id JobID) (Session, bool, error) {
	var (
		s  Session
		ok bool
	)
	err := q.viewOnly(useSessions, func(t *txn) error {
		var err error
		s, ok, err = t.session(id)
		return err
	})
	if err != nil {
		return Session{}, false, fmt.Errorf("load session: %w", err)
	}
	return s, ok, nil
}

// session is LoadSession's read inside t.
func (t *txn) session(id JobID) (Session, bool, error) {
	v := t.sessions.Get(idKey(id))
	if v == nil {
		return Session{}, false, nil
	}
	s, err := decodeSession(v)
	if err != nil {
		return Session{}, false, fmt.Errorf("job %d: %w", id, err)
	}
	return s, true, nil
}

// DropSession forgets job id's session (the server lost it, or the plan
// changed). Idempotent: dropping an absent session is not an error.
func (q *Queue) DropSession(id JobID) error {
	err := q.update(func(t *txn) error { return t.sessions.Delete(idKey(id)) })
	if err != nil {
		return fmt.Errorf("drop session %d: %w", id, err)
	}
	return nil
}

package queue

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// patientSession is a session record told apart by its acknowledged chunks.
func patientSession(acked ...int) Session {
	return Session{ChunkSize: 1 << 20, State: []byte(`{"id":"p"}`), Acked: acked, Size: 3 << 20, ModTime: t0}
}

// savedAcked is job id's saved session's Acked, or nil when none is saved.
func savedAcked(t *testing.T, q *Queue, id JobID) []int {
	t.Helper()
	s, ok, err := q.LoadSession(id)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil
	}
	return s.Acked
}

// TestSaveSessionPatientLingersUntilWaited: a save started with
// SaveSessionPatient waits for company and is not durable until somebody
// waits for it; Wait ends the linger at once, in one commit.
func TestSaveSessionPatientLingersUntilWaited(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now, GroupLinger: forever})
	ids := mustEnqueue(t, q, job("t", "a"))
	mustClaim(t, q, c.Now())
	before := q.grp.commits.Load()

	w := q.SaveSessionPatient(ids[0], patientSession(0))
	waitLingering(t, q, 1)
	if got := savedAcked(t, q, ids[0]); got != nil {
		t.Fatalf("saved %v while the save lingers, want nothing yet", got)
	}
	within(t, "Wait on a lingering save", func() {
		if err := w.Wait(); err != nil {
			t.Error(err)
		}
	})
	if got := savedAcked(t, q, ids[0]); len(got) != 1 || got[0] != 0 {
		t.Fatalf("saved %v after Wait, want [0]", got)
	}
	if n := q.grp.commits.Load() - before; n != 1 {
		t.Errorf("%d commits for one save, want 1", n)
	}
	within(t, "a second Wait", func() {
		if err := w.Wait(); err != nil {
			t.Errorf("second Wait: %v", err)
		}
	})
}

// TestSaveSessionPatientJoinsTheGroup: a save started with SaveSessionPatient
// has joined the next group when the call returns, even while another
// group's leader lingers: it shares the commit that a waited-for write
// starts, and a later save of the same job overwrites it, never the
// reverse.
func TestSaveSessionPatientJoinsTheGroup(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now, GroupLinger: forever})
	ids := mustEnqueue(t, q, job("t", "a"), job("t", "b"))
	mustClaim(t, q, c.Now())
	mustClaim(t, q, c.Now())
	before := q.grp.commits.Load()

	first := q.SaveSessionPatient(ids[0], patientSession(0))
	other := q.SaveSessionPatient(ids[1], patientSession(5))
	waitLingering(t, q, 2)
	within(t, "a waited-for save of the same job", func() {
		if err := q.SaveSession(ids[0], patientSession(0, 1)); err != nil {
			t.Error(err)
		}
		for _, w := range []*PatientWrite{first, other} {
			if err := w.Wait(); err != nil {
				t.Error(err)
			}
		}
	})
	if n := q.grp.commits.Load() - before; n != 1 {
		t.Errorf("%d commits for two lingering saves and one waited for, want 1", n)
	}
	if got := savedAcked(t, q, ids[0]); len(got) != 2 {
		t.Errorf("job a's session %v, want the later save's [0 1]", got)
	}
	if got := savedAcked(t, q, ids[1]); len(got) != 1 || got[0] != 5 {
		t.Errorf("job b's session %v, want [5]", got)
	}
}

// TestSaveSessionPatientBehindABusyLeader: Wait on a save queued behind a
// commit already under way (not lingering) keeps the save's own group
// from lingering once that commit is over.
func TestSaveSessionPatientBehindABusyLeader(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now, GroupLinger: forever})
	ids := mustEnqueue(t, q, job("t", "a"))
	mustClaim(t, q, c.Now())

	// Hold the group busy: a leader that is not lingering, as during a
	// commit on disk.
	q.grp.mu.Lock()
	q.grp.busy = true
	q.grp.mu.Unlock()
	w := q.SaveSessionPatient(ids[0], patientSession(0))
	done := make(chan error, 1)
	go func() { done <- w.Wait() }()
	// Wait has marked the save as waited for once the group counts it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.grp.mu.Lock()
		urgent := q.grp.urgent
		q.grp.mu.Unlock()
		if urgent == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Wait did not mark the pending save as waited for")
		}
		time.Sleep(time.Millisecond)
	}
	// The commit under way ends and hands over, as runGroupCall does.
	q.grp.mu.Lock()
	next := q.grp.pending[0]
	next.lead = true
	close(next.wake)
	q.grp.mu.Unlock()
	within(t, "the save after the busy leader", func() {
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	if got := savedAcked(t, q, ids[0]); len(got) != 1 {
		t.Errorf("saved %v, want [0]", got)
	}
}

// TestSaveSessionPatientError: a save that fails is reported by Wait, named,
// and leaves nothing behind.
func TestSaveSessionPatientError(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now, GroupLinger: forever})
	w := q.SaveSessionPatient(JobID(42), patientSession(0))
	var err error
	within(t, "Wait on a save of a job that does not exist", func() { err = w.Wait() })
	if !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), "save session: ") {
		t.Fatalf("Wait: %v, want a save session error wrapping ErrNotFound", err)
	}
	if got := savedAcked(t, q, 42); got != nil {
		t.Errorf("a failed save left %v", got)
	}
}

// TestSaveSessionPatientAloneEndsItsLinger: a save nobody waits for commits
// by itself once the linger is over.
func TestSaveSessionPatientAloneEndsItsLinger(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now, GroupLinger: time.Millisecond})
	ids := mustEnqueue(t, q, job("t", "a"))
	mustClaim(t, q, c.Now())
	w := q.SaveSessionPatient(ids[0], patientSession(3))
	within(t, "a lone save after its linger", func() { <-w.fin })
	if got := savedAcked(t, q, ids[0]); len(got) != 1 || got[0] != 3 {
		t.Errorf("saved %v, want [3]", got)
	}
	if err := w.Wait(); err != nil {
		t.Error(err)
	}
}

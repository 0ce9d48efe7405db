package queue

import (
	"errors"
	"reflect"
	"testing"
)

// A process that dies mid-upload leaves jobs Running; the next Open puts
// them back to Queued with their sessions, so the upload resumes.
func TestCrashRecovery(t *testing.T) {
	c := newClock()
	q, path := openTest(t, Options{Now: c.Now})
	ids := mustEnqueue(t, q, job("t", "a"), job("t", "b"), job("t", "c"))
	mustClaim(t, q, c.Now())
	mustClaim(t, q, c.Now())
	sess := Session{ChunkSize: 4 << 20, State: []byte(`{"key":"k1"}`), Acked: []int{0, 1}, Size: 10 << 20, ModTime: t0}
	if err := q.SaveSession(ids[0], sess); err != nil {
		t.Fatal(err)
	}
	// No Finish, no Close: drop the handle the way a crash would. bbolt's
	// committed transactions are already on disk; Close only releases the
	// lock, which the kernel also does when a process dies.
	if err := q.db.Close(); err != nil {
		t.Fatal(err)
	}

	q, err := Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := q.Close(); err != nil {
			t.Error(err)
		}
	}()
	for i, id := range ids {
		j := mustGet(t, q, id)
		if j.State != Queued {
			t.Errorf("job %d is %s after recovery", id, j.State)
		}
		// Only the two that were Running had a request in flight.
		if want := i < 2; j.Interrupted != want {
			t.Errorf("job %d: Interrupted = %v after recovery, want %v", id, j.Interrupted, want)
		}
	}
	got, ok, err := q.LoadSession(ids[0])
	if err != nil || !ok || !reflect.DeepEqual(got, sess) {
		t.Errorf("session after recovery = %+v %v %v", got, ok, err)
	}
	if n, err := q.Counts(); err != nil || n[Queued] != 3 || n[Running] != 0 {
		t.Errorf("counts = %v %v", n, err)
	}
	// Recovered jobs keep their place in line; the claim hands the mark to
	// the engine once and clears it in the store.
	if j := mustClaim(t, q, c.Now()); j.ID != ids[0] || !j.Interrupted {
		t.Errorf("first claim after recovery: job %d, Interrupted %v", j.ID, j.Interrupted)
	}
	if j := mustGet(t, q, ids[0]); j.Interrupted {
		t.Errorf("job %d still marked Interrupted in the store after its claim", j.ID)
	}
	checkIndexes(t, q)
}

func TestRecoverySurvivesDamagedRunningJob(t *testing.T) {
	c := newClock()
	q, path := openTest(t, Options{Now: c.Now})
	ids := mustEnqueue(t, q, job("t", "a"), job("t", "b"))
	mustClaim(t, q, c.Now())
	mustClaim(t, q, c.Now())
	putRaw(t, q, bucketJobs, idKey(ids[0]), []byte{0})
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q, err := Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatalf("open with a damaged running job: %v", err)
	}
	defer func() {
		if err := q.Close(); err != nil {
			t.Error(err)
		}
	}()
	if j := mustGet(t, q, ids[1]); j.State != Queued {
		t.Errorf("intact job is %s", j.State)
	}
	if _, err := q.Get(ids[0]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("damaged job: %v", err)
	}
	if n, err := q.Counts(); err != nil || n[Running] != 0 {
		t.Errorf("counts = %v %v", n, err)
	}
}

func TestSessions(t *testing.T) {
	q, _ := openTest(t, Options{})
	id := mustEnqueue(t, q, job("t", "a"))[0]
	if _, ok, err := q.LoadSession(id); err != nil || ok {
		t.Fatalf("fresh job has a session: %v %v", ok, err)
	}
	for i := range 3 {
		if err := q.SaveSession(id, Session{ChunkSize: 10, Acked: []int{i}}); err != nil {
			t.Fatal(err)
		}
	}
	if s, ok, err := q.LoadSession(id); err != nil || !ok || !reflect.DeepEqual(s.Acked, []int{2}) {
		t.Errorf("session = %+v %v %v, want the last save", s, ok, err)
	}
	if err := q.DropSession(id); err != nil {
		t.Fatal(err)
	}
	if err := q.DropSession(id); err != nil {
		t.Errorf("second drop: %v", err)
	}
	if _, ok, err := q.LoadSession(id); err != nil || ok {
		t.Errorf("dropped session: %v %v", ok, err)
	}
	putRaw(t, q, bucketSessions, idKey(id), []byte{sessionV1, 1})
	if _, _, err := q.LoadSession(id); !errors.Is(err, ErrCorrupt) {
		t.Errorf("damaged session: %v", err)
	}
	// A late save for a cancelled job must not leave an orphan session.
	if _, err := q.Cancel(id); err != nil {
		t.Fatal(err)
	}
	if err := q.SaveSession(id, Session{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("save after cancel: %v", err)
	}
	checkIndexes(t, q)
}

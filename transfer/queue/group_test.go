package queue

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// holdWriter takes bbolt's writer lock (as a commit on a slow disk would)
// until the returned function is called.
func holdWriter(t *testing.T, q *Queue) (release func()) {
	t.Helper()
	held, free := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- q.db.Update(func(*bolt.Tx) error {
			close(held)
			<-free
			return nil
		})
	}()
	<-held
	return func() {
		close(free)
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// waitPending waits (at most 10s) until n group calls wait for the commit
// in progress.
func waitPending(t *testing.T, q *Queue, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.grp.mu.Lock()
		got := len(q.grp.pending)
		q.grp.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d group calls pending, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommitShares: finishes and claims that arrive while a commit is
// on disk share the next one, and each returns only after its change.
func TestGroupCommitShares(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	var jobs []Job
	for i := range 9 {
		jobs = append(jobs, job("t", fmt.Sprintf("f%d", i)))
	}
	ids := mustEnqueue(t, q, jobs...)
	for range 8 {
		mustClaim(t, q, c.Now())
	}
	release := holdWriter(t, q)
	before := q.grp.commits.Load()
	var wg sync.WaitGroup
	errs := make([]error, 9)
	// The first call leads and waits for the writer lock; the others queue
	// behind it.
	for i := range 8 {
		wg.Go(func() { errs[i] = q.Finish(ids[i], HistoryEntry{}, &Fingerprint{Size: 1, ModTime: t0}) })
		waitPending(t, q, i)
	}
	var claimed Job
	wg.Go(func() {
		var ok bool
		claimed, ok, errs[8] = q.Claim(c.Now(), nil)
		if errs[8] == nil && !ok {
			errs[8] = errors.New("nothing claimed")
		}
	})
	waitPending(t, q, 8)
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if got := q.grp.commits.Load() - before; got != 2 {
		t.Errorf("%d commits for 9 calls arriving during one, want 2 (the first alone, then the rest)", got)
	}
	if claimed.ID != ids[8] {
		t.Errorf("claimed job %d, want %d", claimed.ID, ids[8])
	}
	for _, id := range ids[:8] {
		if _, err := q.Get(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("job %d after Finish: %v, want ErrNotFound", id, err)
		}
	}
	if j := mustGet(t, q, ids[8]); j.State != Running {
		t.Errorf("claimed job is %s", j.State)
	}
	checkIndexes(t, q)
}

// TestGroupCommitFailureIsolated: a call that fails in a shared commit
// gets its own error and leaves no trace; the others are committed.
func TestGroupCommitFailureIsolated(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	ids := mustEnqueue(t, q, job("t", "a"), job("t", "b"), job("t", "c"))
	for range 3 {
		mustClaim(t, q, c.Now())
	}
	release := holdWriter(t, q)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	wg.Go(func() { errs[0] = q.Finish(ids[0], HistoryEntry{}, nil) })
	waitPending(t, q, 0)
	wg.Go(func() { errs[1] = q.Finish(ids[1], HistoryEntry{}, nil) })
	waitPending(t, q, 1)
	// An unknown id fails inside the transaction, in the middle of the group.
	wg.Go(func() { errs[2] = q.Finish(9999, HistoryEntry{}, nil) })
	waitPending(t, q, 2)
	wg.Go(func() {
		errs[3] = q.SaveSession(ids[2], Session{ChunkSize: 1, State: []byte("s"), Size: 1, ModTime: t0})
	})
	waitPending(t, q, 3)
	release()
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || errs[3] != nil {
		t.Errorf("the sound calls failed: %v", errs)
	}
	if !errors.Is(errs[2], ErrNotFound) {
		t.Errorf("finish of an unknown job: %v, want ErrNotFound", errs[2])
	}
	if _, ok, err := q.LoadSession(ids[2]); err != nil || !ok {
		t.Errorf("session saved in the group: ok %v, err %v", ok, err)
	}
	h, err := q.History(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 {
		t.Errorf("%d history entries, want 2 (one per finished job)", len(h))
	}
	checkIndexes(t, q)
}

// TestGetMany: one read answers for every id as Get would.
func TestGetMany(t *testing.T) {
	q, _ := openTest(t, Options{})
	ids := mustEnqueue(t, q, job("t", "a"), job("t", "b"))
	got, errs := q.GetMany([]JobID{ids[1], 9999, ids[0]})
	if errs[0] != nil || got[0].ID != ids[1] || got[0].RelPath != "b" {
		t.Errorf("first: %+v %v", got[0], errs[0])
	}
	if !errors.Is(errs[1], ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", errs[1])
	}
	if errs[2] != nil || got[2].ID != ids[0] {
		t.Errorf("third: %+v %v", got[2], errs[2])
	}
}

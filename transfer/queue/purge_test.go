package queue

import (
	"errors"
	"testing"
	"time"
)

// A damaged job record must not wedge anything: new changes of its file
// get a fresh job, the UI learns its id, and Purge removes it for good.
func TestDamagedJobLifecycle(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	ids := mustEnqueue(t, q, job("t", "a"), job("t", "b"))
	mustClaim(t, q, c.Now())
	if err := q.SaveSession(ids[0], Session{ChunkSize: 1}); err != nil {
		t.Fatal(err)
	}
	putRaw(t, q, bucketJobs, idKey(ids[0]), []byte{jobV1, 1, 2})

	var cje *CorruptJobError
	if _, err := q.Get(ids[0]); !errors.As(err, &cje) || cje.ID != ids[0] || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("get damaged: %v", err)
	}
	// A batch holding the damaged job's file still goes in, whole.
	got := mustEnqueue(t, q, job("t", "a"), job("t", "c"))
	if got[0] == ids[0] {
		t.Fatalf("new change coalesced into the damaged job %d", ids[0])
	}
	if j := mustGet(t, q, got[0]); j.State != Queued || j.RelPath != "a" {
		t.Errorf("replacement job = %+v", j)
	}
	cje = nil
	err := q.Jobs(nil, func(Job) bool { return true })
	if !errors.As(err, &cje) || cje.ID != ids[0] {
		t.Fatalf("jobs over damage: %v", err)
	}

	if err := q.Purge(ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := q.Purge(ids[0]); err != nil {
		t.Errorf("second purge: %v", err)
	}
	if _, err := q.Get(ids[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("purged job: %v", err)
	}
	if _, ok, err := q.LoadSession(ids[0]); err != nil || ok {
		t.Errorf("purged job's session: %v %v", ok, err)
	}
	// The damaged record was counted Running; after the purge the counts
	// match the records again (checkIndexes compares them).
	if n, err := q.Counts(); err != nil || n[Running] != 0 || n[Queued] != 3 {
		t.Errorf("counts = %v %v", n, err)
	}
	checkIndexes(t, q)
	// The replacement owns the key: finishing it records the file as sent.
	if err := q.Finish(got[0], HistoryEntry{}, &Fingerprint{Size: 1}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := q.Sent("t", "a"); err != nil || !ok {
		t.Errorf("sent after finish of replacement: %v %v", ok, err)
	}
	checkIndexes(t, q)
}

func TestPurgeWaitingJob(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	id := mustEnqueue(t, q, job("t", "a"))[0]
	mustClaim(t, q, c.Now())
	if err := q.Retry(id, c.Now().Add(time.Second), "retryable", "x"); err != nil {
		t.Fatal(err)
	}
	if err := q.Purge(id); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := q.NextWake(); err != nil || ok {
		t.Errorf("purged waiting job still wakes: %v %v", ok, err)
	}
	if n, err := q.Counts(); err != nil || n[Waiting] != 0 {
		t.Errorf("counts = %v %v", n, err)
	}
	checkIndexes(t, q)
}

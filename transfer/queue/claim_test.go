package queue

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestClaimOrder(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	ids := mustEnqueue(t, q, job("b", "1"), job("a", "2"), job("b", "3"), job("a", "4"))
	// Job 2 waits until +1m, job 1 is requeued after failing: it keeps its
	// place by id, ahead of younger jobs.
	if got := mustClaim(t, q, c.Now()).ID; got != ids[0] {
		t.Fatalf("first claim %d, want %d", got, ids[0])
	}
	if got := mustClaim(t, q, c.Now()).ID; got != ids[1] {
		t.Fatalf("second claim %d, want %d", got, ids[1])
	}
	if err := q.Retry(ids[1], c.Now().Add(time.Minute), "retryable", "x"); err != nil {
		t.Fatal(err)
	}
	if err := q.Fail(ids[0], "auth", "x"); err != nil {
		t.Fatal(err)
	}
	if err := q.Requeue(ids[0]); err != nil {
		t.Fatal(err)
	}
	var got []JobID
	for range 10 { // bounded: four jobs at most
		j, ok, err := q.Claim(c.Now(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, j.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint([]JobID{ids[0], ids[2], ids[3]}) {
		t.Errorf("claimed %v", got)
	}
	// Once due, the waiting job is claimable and still ordered by id.
	j, ok, err := q.Claim(c.Add(time.Minute), nil)
	if err != nil || !ok || j.ID != ids[1] || j.State != Running || j.Attempts != 1 {
		t.Errorf("due claim = %+v %v %v", j, ok, err)
	}
	checkIndexes(t, q)
}

func TestClaimAllow(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	var batch []Job
	for i := range 100 {
		batch = append(batch, job("busy", fmt.Sprint(i)))
	}
	batch = append(batch, job("free", "x"), job("other", "y"))
	ids := mustEnqueue(t, q, batch...)

	var asked []string
	allow := func(j Job) bool { asked = append(asked, j.Target); return j.Target != "busy" }
	j, ok, err := q.Claim(c.Now(), allow)
	if err != nil || !ok || j.ID != ids[100] {
		t.Fatalf("claim = %+v %v %v, want job %d", j, ok, err, ids[100])
	}
	// One question per target, oldest first: the 100 busy jobs cost one.
	if fmt.Sprint(asked) != "[busy free]" {
		t.Errorf("allow asked about %v", asked)
	}
	none := func(Job) bool { return false }
	if _, ok, err := q.Claim(c.Now(), none); err != nil || ok {
		t.Errorf("claim with nothing allowed: %v %v", ok, err)
	}
	if j := mustGet(t, q, ids[0]); j.State != Queued {
		t.Errorf("refused job changed to %s", j.State)
	}
	checkIndexes(t, q)
}

func TestNextWake(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	if _, ok, err := q.NextWake(); err != nil || ok {
		t.Fatalf("empty queue: %v %v", ok, err)
	}
	ids := mustEnqueue(t, q, job("t", "a"), job("t", "b"), job("t", "c"))
	for range ids {
		mustClaim(t, q, c.Now())
	}
	base := c.Now()
	for i, d := range []time.Duration{3 * time.Minute, time.Minute, 2 * time.Minute} {
		if err := q.Retry(ids[i], base.Add(d), "retryable", "x"); err != nil {
			t.Fatal(err)
		}
	}
	at, ok, err := q.NextWake()
	if err != nil || !ok || !at.Equal(base.Add(time.Minute)) {
		t.Fatalf("next wake = %v %v %v, want %v", at, ok, err, base.Add(time.Minute))
	}
	// A claim at +1m30s takes job b; job c is still ahead.
	j, ok, err := q.Claim(base.Add(90*time.Second), nil)
	if err != nil || !ok || j.ID != ids[1] {
		t.Fatalf("claim = %+v %v %v", j, ok, err)
	}
	if at, _, _ := q.NextWake(); !at.Equal(base.Add(2 * time.Minute)) {
		t.Errorf("next wake = %v", at)
	}
	// Due jobs refused by allow are not reported again (no busy loop).
	if _, ok, err := q.Claim(base.Add(5*time.Minute), func(Job) bool { return false }); err != nil || ok {
		t.Fatalf("refused claim: %v %v", ok, err)
	}
	if _, ok, err := q.NextWake(); err != nil || ok {
		t.Errorf("next wake after promotion: %v %v", ok, err)
	}
	if n, err := q.Counts(); err != nil || n[Waiting] != 2 {
		t.Errorf("promoted jobs must stay Waiting: %v %v", n, err)
	}
	checkIndexes(t, q)
	// Pausing a promoted job takes it out of the ready index.
	if err := q.Pause(ids[0]); err != nil {
		t.Fatal(err)
	}
	checkIndexes(t, q)
}

func TestClaimSkipsCorruptRecord(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	ids := mustEnqueue(t, q, job("t", "a"), job("t", "b"))
	putRaw(t, q, bucketJobs, idKey(ids[0]), []byte{jobV1, 0xff})

	_, ok, err := q.Claim(c.Now(), nil)
	if !errors.Is(err, ErrCorrupt) || ok {
		t.Fatalf("claim over damage: %v %v", ok, err)
	}
	if j := mustClaim(t, q, c.Now()); j.ID != ids[1] {
		t.Errorf("next claim %d, want %d", j.ID, ids[1])
	}
	if _, err := q.Get(ids[0]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("get damaged: %v", err)
	}
	// Jobs delivers the good record and reports the bad one.
	var seen []JobID
	err = q.Jobs(nil, func(j Job) bool { seen = append(seen, j.ID); return true })
	if !errors.Is(err, ErrCorrupt) || len(seen) != 1 || seen[0] != ids[1] {
		t.Errorf("jobs = %v, %v", seen, err)
	}
}

func TestJobsFilterAndStop(t *testing.T) {
	q, _ := openTest(t, Options{})
	mustEnqueue(t, q, job("a", "1"), job("b", "2"), job("a", "3"), job("a", "4"))
	var seen []string
	err := q.Jobs(func(j Job) bool { return j.Target == "a" }, func(j Job) bool {
		seen = append(seen, j.RelPath)
		return len(seen) < 2
	})
	if err != nil || fmt.Sprint(seen) != "[1 3]" {
		t.Errorf("jobs = %v %v", seen, err)
	}
}

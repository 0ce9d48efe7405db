package queue

import (
	"errors"
	"testing"
	"time"
)

// FinishClaim ends one job and claims the next in ONE commit, with the
// history, the sent index and the indexes as Finish and Claim leave them.
func TestFinishClaimOneCommit(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	ids := mustEnqueue(t, q, job("t", "a.txt"), job("t", "b.txt"), job("t", "c.txt"))
	first := mustClaim(t, q, c.Now())
	before := q.grp.commits.Load()
	fp := &Fingerprint{Size: 1, ModTime: c.Now(), RemoteID: "r1", Uploaded: c.Now()}
	r, err := q.FinishClaim(first.ID, HistoryEntry{}, fp, c.Now(), Picker{})
	if err != nil || r.FinishErr != nil || r.ClaimErr != nil {
		t.Fatalf("finish claim: %v %+v", err, r)
	}
	if n := q.grp.commits.Load() - before; n != 1 {
		t.Errorf("%d commits, want 1", n)
	}
	if !r.Claimed || r.Next.ID != ids[1] || r.Next.State != Running {
		t.Fatalf("claimed %v %+v, want job %d running", r.Claimed, r.Next, ids[1])
	}
	if r.IsKept {
		t.Errorf("kept %+v, want the finished job gone", r.Kept)
	}
	if _, err := q.Get(first.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("finished job: %v, want ErrNotFound", err)
	}
	if got, ok, err := q.Sent("t", first.RemotePath()); err != nil || !ok || got.RemoteID != "r1" {
		t.Errorf("sent index %+v %v %v, want r1", got, ok, err)
	}
	if h, err := q.History(1); err != nil || len(h) != 1 || h[0].JobID != first.ID || h[0].Outcome != Done {
		t.Errorf("history %+v %v, want the finished job done", h, err)
	}
	if got := mustGet(t, q, ids[1]); got.State != Running {
		t.Errorf("claimed job is %s in the queue, want running", got.State)
	}
	checkIndexes(t, q)
}

// No claim under a global pause, none that allow refuses; a job cancelled
// meanwhile is reported and the claim still made; a non-Done outcome is
// refused with nothing changed.
func TestFinishClaimLimits(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	mustEnqueue(t, q, job("t", "a.txt"), job("t", "b.txt"), job("u", "c.txt"), job("t", "d.txt"))
	a := mustClaim(t, q, c.Now())
	b := mustClaim(t, q, c.Now())

	if err := q.SetPausedUntil(c.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r, err := q.FinishClaim(a.ID, HistoryEntry{}, nil, c.Now(), Picker{})
	if err != nil || r.FinishErr != nil || r.Claimed {
		t.Fatalf("paused: %v %+v, want finished and nothing claimed", err, r)
	}
	if running, paused, err := q.StillClaimed(b.ID, c.Now()); err != nil || !running || !paused {
		t.Errorf("StillClaimed under a pause: running %v paused %v %v, want both", running, paused, err)
	}
	if err := q.SetPausedUntil(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if running, paused, err := q.StillClaimed(b.ID, c.Now()); err != nil || !running || paused {
		t.Errorf("StillClaimed: running %v paused %v %v, want running only", running, paused, err)
	}

	if _, err := q.Cancel(b.ID); err != nil {
		t.Fatal(err)
	}
	if running, _, err := q.StillClaimed(b.ID, c.Now()); err != nil || running {
		t.Errorf("StillClaimed of a cancelled job: running %v %v, want false", running, err)
	}
	onlyU := func(j Job) bool { return j.Target == "u" }
	r, err = q.FinishClaim(b.ID, HistoryEntry{}, nil, c.Now(), Picker{Allow: onlyU})
	if err != nil || !errors.Is(r.FinishErr, ErrNotFound) {
		t.Fatalf("cancelled meanwhile: %v %+v, want FinishErr ErrNotFound", err, r)
	}
	if !r.Claimed || r.Next.Target != "u" {
		t.Fatalf("claimed %v %+v, want the job of target u (allow refused t)", r.Claimed, r.Next)
	}
	if _, err := q.FinishClaim(r.Next.ID, HistoryEntry{Outcome: Failed}, nil, c.Now(), Picker{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("outcome failed: %v, want ErrInvalid", err)
	}
	if got := mustGet(t, q, r.Next.ID); got.State != Running {
		t.Errorf("after a refused FinishClaim the job is %s, want still running", got.State)
	}
	checkIndexes(t, q)
}

// A job marked Changed is kept for its new content, reported as kept, and
// may be the very job claimed next.
func TestFinishClaimKeptForNewContent(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	ids := mustEnqueue(t, q, job("t", "a.txt"))
	a := mustClaim(t, q, c.Now())
	changed := job("t", "a.txt") // the file changed while it was sent
	changed.Size++
	mustEnqueue(t, q, changed)
	r, err := q.FinishClaim(a.ID, HistoryEntry{}, nil, c.Now(), Picker{})
	if err != nil || r.FinishErr != nil {
		t.Fatal(err, r.FinishErr)
	}
	if !r.IsKept || r.Kept.ID != ids[0] || r.Kept.State != Queued {
		t.Errorf("kept %v %+v, want job %d queued again", r.IsKept, r.Kept, ids[0])
	}
	if !r.Claimed || r.Next.ID != ids[0] {
		t.Errorf("claimed %v %+v, want the kept job itself", r.Claimed, r.Next)
	}
	checkIndexes(t, q)
}

package queue

import (
	"fmt"
	"testing"
	"time"
)

// forever is a linger no test may wait out: a call that returns under it
// was let go by a waited-for write, Hurry or a full group, never by time.
const forever = time.Hour

// within runs fn and fails the test when it has not returned after 10s
// (it then keeps running; the test binary ends it).
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still waiting after 10s", what)
	}
}

// waitLingering waits (at most 10s) until a leader lingers for company
// with n calls in its group.
func waitLingering(t *testing.T, q *Queue, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.grp.mu.Lock()
		lingering, got := q.grp.lingering, len(q.grp.pending)
		q.grp.mu.Unlock()
		if lingering && got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lingering %v with %d calls, want a linger with %d", lingering, got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// behindPick is a Picker for a claim nobody waits for yet.
var behindPick = Picker{Strict: true, Behind: true}

// claimBehind claims in the background; the result arrives on the channel.
func claimBehind(q *Queue, now time.Time, errs chan<- error) {
	go func() {
		_, ok, err := q.ClaimPassing(now, behindPick)
		if err == nil && !ok {
			err = fmt.Errorf("nothing claimed")
		}
		errs <- err
	}()
}

// TestGroupLingerWaitsForCompany: patient writes (a claim ahead, a finish
// behind) linger and share one commit with the write that is waited for
// and ends the linger.
func TestGroupLingerWaitsForCompany(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now, GroupLinger: forever})
	ids := mustEnqueue(t, q, job("t", "a"), job("t", "b"), job("t", "c"), job("t", "d"))
	a := mustClaim(t, q, c.Now())
	before := q.grp.commits.Load()

	errs := make(chan error, 3)
	claimBehind(q, c.Now(), errs)
	waitLingering(t, q, 1)
	var finished FinishClaimed
	go func() {
		var err error
		finished, err = q.FinishClaim(a.ID, HistoryEntry{}, &Fingerprint{Size: 1, ModTime: t0}, c.Now(), behindPick)
		errs <- err
	}()
	waitLingering(t, q, 2) // a patient write does not end the linger
	if n := q.grp.commits.Load() - before; n != 0 {
		t.Fatalf("%d commits while patient writes linger, want 0", n)
	}
	within(t, "a waited-for claim joining the linger", func() {
		if _, ok, err := q.Claim(c.Now(), nil); err != nil || !ok {
			t.Errorf("claim: %v, claimed %v", err, ok)
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
	if n := q.grp.commits.Load() - before; n != 1 {
		t.Errorf("%d commits for two patient writes and one waited for, want 1", n)
	}
	if !finished.Claimed || finished.FinishErr != nil {
		t.Errorf("FinishClaim: %+v", finished)
	}
	for _, id := range ids[1:] {
		if j := mustGet(t, q, id); j.State != Running {
			t.Errorf("job %d is %s, want running", id, j.State)
		}
	}
	checkIndexes(t, q)
}

// TestGroupLingerHurry: Hurry ends a linger, and a Hurry that finds none
// keeps the next group from lingering (the write it waits for may not have
// joined a group yet).
func TestGroupLingerHurry(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now, GroupLinger: forever})
	mustEnqueue(t, q, job("t", "a"), job("t", "b"))
	errs := make(chan error, 2)

	claimBehind(q, c.Now(), errs)
	waitLingering(t, q, 1)
	within(t, "a lingering claim after Hurry", func() {
		q.Hurry()
		if err := <-errs; err != nil {
			t.Error(err)
		}
	})

	q.Hurry()
	within(t, "a claim after a Hurry that found no linger", func() {
		claimBehind(q, c.Now(), errs)
		if err := <-errs; err != nil {
			t.Error(err)
		}
	})
}

// TestGroupLingerFull: a full group commits without waiting longer.
func TestGroupLingerFull(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now, GroupLinger: forever})
	var jobs []Job
	for i := range groupFull {
		jobs = append(jobs, job("t", fmt.Sprintf("f%d", i)))
	}
	mustEnqueue(t, q, jobs...)
	before := q.grp.commits.Load()
	errs := make(chan error, groupFull)
	claimBehind(q, c.Now(), errs)
	waitLingering(t, q, 1)
	within(t, fmt.Sprintf("%d patient claims", groupFull), func() {
		for range groupFull - 1 {
			claimBehind(q, c.Now(), errs)
		}
		for range groupFull {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
	if n := q.grp.commits.Load() - before; n != 1 {
		t.Errorf("%d commits for a full group, want 1", n)
	}
	checkIndexes(t, q)
}

// TestGroupLingerEnds: a lone patient write commits once the linger is
// over; a write that is waited for never lingers.
func TestGroupLingerEnds(t *testing.T) {
	const linger = 20 * time.Millisecond
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now, GroupLinger: linger})
	mustEnqueue(t, q, job("t", "a"))
	errs := make(chan error, 1)
	start := time.Now()
	within(t, "a lone patient claim", func() {
		claimBehind(q, c.Now(), errs)
		if err := <-errs; err != nil {
			t.Error(err)
		}
	})
	if took := time.Since(start); took < linger {
		t.Errorf("a lone patient claim committed after %v, before its linger of %v", took, linger)
	}

	slow, _ := openTest(t, Options{Now: c.Now, GroupLinger: forever})
	mustEnqueue(t, slow, job("t", "a"))
	within(t, "a claim somebody waits for, with a linger of an hour", func() {
		if _, ok, err := slow.Claim(c.Now(), nil); err != nil || !ok {
			t.Errorf("claim: %v, claimed %v", err, ok)
		}
	})
}

// TestGroupLingerOff: a negative GroupLinger turns the linger off.
func TestGroupLingerOff(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now, GroupLinger: -1})
	if q.grp.linger != 0 {
		t.Fatalf("linger %v, want none", q.grp.linger)
	}
	def, _ := openTest(t, Options{Now: c.Now})
	if def.grp.linger != defaultGroupLinger {
		t.Errorf("default linger %v, want %v", def.grp.linger, defaultGroupLinger)
	}
	mustEnqueue(t, q, job("t", "a"), job("t", "b"))
	errs := make(chan error, 2)
	within(t, "patient claims without a linger", func() {
		for range 2 {
			claimBehind(q, c.Now(), errs)
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
}

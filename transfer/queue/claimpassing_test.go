package queue

import (
	"fmt"
	"strings"
	"testing"
)

// claimPassing claims once with pick and returns the RelPath claimed, or
// "" when nothing was.
func claimPassing(t *testing.T, q *Queue, c *clock, pick Picker) string {
	t.Helper()
	j, ok, err := q.ClaimPassing(c.Now(), pick)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return ""
	}
	if j.State != Running {
		t.Fatalf("claimed %s in state %s", j.RelPath, j.State)
	}
	return j.RelPath
}

// TestClaimPassesOverLaterJobs: a job Later passes over stays queued in
// its place and the next of its target that Later accepts is claimed.
func TestClaimPassesOverLaterJobs(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	mustEnqueue(t, q, job("t", "new/1"), job("t", "new/2"), job("t", "old/1"), job("t", "new/3"), job("t", "old/2"))
	laterNew := func(j Job) bool { return strings.HasPrefix(j.RelPath, "new/") }
	var got []string
	for range 2 {
		got = append(got, claimPassing(t, q, c, Picker{Later: laterNew}))
	}
	if want := "[old/1 old/2]"; fmt.Sprint(got) != want {
		t.Fatalf("claimed %v, want %v", got, want)
	}
	// Nothing left but jobs Later passes over: a strict claim (made in
	// advance) takes none of them; any other takes the oldest all the
	// same, then the next by id.
	if got := claimPassing(t, q, c, Picker{Later: laterNew, Strict: true}); got != "" {
		t.Fatalf("strict claim took %q, want nothing", got)
	}
	for range 2 {
		got = append(got, claimPassing(t, q, c, Picker{Later: laterNew}))
	}
	if want := "[old/1 old/2 new/1 new/2]"; fmt.Sprint(got) != want {
		t.Fatalf("claimed %v, want %v", got, want)
	}
	checkIndexes(t, q)
}

// TestClaimPrefersAnotherTargetToAPassedJob: a target whose runnable jobs
// are all passed over yields to another target's oldest job; Allow still
// refuses a whole target before Later is asked.
func TestClaimPrefersAnotherTargetToAPassedJob(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	mustEnqueue(t, q, job("a", "1"), job("a", "2"), job("b", "3"), job("c", "4"))
	asked := map[string]int{}
	pick := Picker{
		Allow: func(j Job) bool { return j.Target != "b" },
		Later: func(j Job) bool { asked[j.Target]++; return j.Target == "a" },
	}
	if got := claimPassing(t, q, c, pick); got != "4" {
		t.Fatalf("claimed %q, want c's job 4", got)
	}
	if asked["b"] != 0 {
		t.Errorf("Later asked about a job of a target Allow refused")
	}
	if got := claimPassing(t, q, c, pick); got != "1" {
		t.Fatalf("claimed %q, want a's oldest job once nothing else is runnable", got)
	}
}

// TestClaimPassesOverAtMostTheLimit: past PassOverLimit jobs behind the
// head, the claim stops looking and takes the head.
func TestClaimPassesOverAtMostTheLimit(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	var batch []Job
	for i := range PassOverLimit + 1 {
		batch = append(batch, job("t", fmt.Sprintf("wait/%d", i)))
	}
	batch = append(batch, job("t", "free"))
	mustEnqueue(t, q, batch...)
	looked := 0
	later := func(j Job) bool { looked++; return strings.HasPrefix(j.RelPath, "wait/") }
	if got := claimPassing(t, q, c, Picker{Later: later}); got != "wait/0" {
		t.Fatalf("claimed %q, want the head wait/0", got)
	}
	if looked != PassOverLimit+1 {
		t.Errorf("Later asked %d times, want the head and %d behind it", looked, PassOverLimit)
	}
	// One fewer in the way: the free job is within reach now.
	if got := claimPassing(t, q, c, Picker{Later: later}); got != "free" {
		t.Fatalf("claimed %q, want free", got)
	}
}

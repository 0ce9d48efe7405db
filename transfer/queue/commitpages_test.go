package queue

import (
	"fmt"
	"testing"
	"time"
)

// A finished file's commit writes few pages: with the history at its limit
// (as it always is after a while) and a sent index of some thousand
// files, a worker's FinishClaim, alone in its commit, wrote 15.46 pages
// (meta included) before, 13.52 after: the freelist was written with
// every commit (boltOptions), and the history's first leaf was trimmed by
// one entry in every finish (and its branch too in a history of 10,000).
// The count is bbolt's own (TxStats.Write), so it does not depend on the
// machine.
func TestFinishClaimPagesPerFile(t *testing.T) {
	q, _ := openTest(t, Options{HistoryLimit: 500})
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var jobs []Job
	for i := range 3000 {
		j := job("t", fmt.Sprintf("d%03d/f%05d", i/200, i))
		j.RemoteDir = "r1"
		jobs = append(jobs, j)
	}
	for i := 0; i < len(jobs); i += 1000 {
		mustEnqueue(t, q, jobs[i:i+1000]...)
	}
	fp := &Fingerprint{Size: 1024, ModTime: now, SHA256: make([]byte, 32), RemoteID: "0123456789abcdef0123456789abcdef"}
	j := mustClaim(t, q, now)
	finish := func(n int) (pages, commits int64) {
		s0 := q.db.Stats()
		_, c0 := q.Transactions()
		for range n {
			r, err := q.FinishClaim(j.ID, HistoryEntry{}, fp, now, Picker{})
			if err != nil || r.FinishErr != nil || !r.Claimed {
				t.Fatalf("finish and claim: %+v %v", r, err)
			}
			j = r.Next
		}
		s1 := q.db.Stats()
		_, c1 := q.Transactions()
		d := s1.TxStats.Sub(&s0.TxStats)
		return d.GetWrite(), c1 - c0
	}
	finish(1500) // the history full, the sent index grown
	const n = 1000
	pages, commits := finish(n)
	if commits != n {
		t.Fatalf("%d commits for %d files, want one each", commits, n)
	}
	perCommit := float64(pages) / float64(commits)
	t.Logf("%.2f pages written per commit", perCommit)
	if perCommit > 14 {
		t.Errorf("a finish alone in its commit wrote %.2f pages, want at most 14", perCommit)
	}
}

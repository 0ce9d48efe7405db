//go:build unix

package queue

import (
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// uploadLike drives q as `ferry upload` of n small files does: jobs queued
// a batch at a time, two batches ahead, and `workers` workers that each read
// what the engine reads per file (StillClaimed, UploadRecords, Changed) and
// end the file with FinishClaim. It returns the files done.
func uploadLike(tb testing.TB, q *Queue, n, workers, batch int) int {
	tb.Helper()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var (
		mu      sync.Mutex
		fed     int
		done    atomic.Int64
		started sync.WaitGroup
	)
	feed := func() {
		mu.Lock()
		defer mu.Unlock()
		for fed < n && fed-int(done.Load()) < 2*batch {
			jobs := make([]Job, 0, batch)
			for i := fed; i < min(fed+batch, n); i++ {
				j := job("bench", fmt.Sprintf("d%03d/f%05d", i/200, i))
				j.Root, j.RemoteDir, j.Origin = "/work/lead-pf/tiny", "r1", "upload"
				jobs = append(jobs, j)
			}
			mustEnqueue(tb, q, jobs...)
			fed += len(jobs)
		}
	}
	feed()
	fp := &Fingerprint{Size: 1024, ModTime: now, SHA256: make([]byte, 32), RemoteID: "0123456789abcdef0123456789abcdef"}
	claim := func() (Job, bool) {
		j, ok, err := q.Claim(now, nil)
		if err != nil {
			tb.Fatal(err)
		}
		return j, ok
	}
	for range workers {
		started.Add(1)
		go func() {
			defer started.Done()
			j, ok := claim()
			for ok {
				if _, _, err := q.StillClaimed(j.ID, now); err != nil {
					tb.Error(err)
					return
				}
				if r := q.UploadRecords(j.ID, j.Target, j.RemotePath()); r.ChunkSizeErr != nil || r.SessionErr != nil || r.SentErr != nil {
					tb.Error(r)
					return
				}
				if _, err := q.Changed(j.ID); err != nil {
					tb.Error(err)
					return
				}
				r, err := q.FinishClaim(j.ID, HistoryEntry{}, fp, now, Picker{})
				if err != nil || r.FinishErr != nil {
					tb.Error(err, r.FinishErr)
					return
				}
				done.Add(1)
				feed()
				j, ok = r.Next, r.Claimed
				if !ok {
					j, ok = claim()
				}
			}
		}()
	}
	started.Wait()
	return int(done.Load())
}

// BenchmarkUploadLike runs the queue's side of `ferry upload` of b.N
// small files with four workers (uploadLike) and reports what each file
// costs the queue: commits (group commits shared between workers), pages
// written per commit (bbolt's count, meta page included), read
// transactions, and the process's CPU (user + system, fsyncs included).
func BenchmarkUploadLike(b *testing.B) {
	q, _ := openTest(b, Options{})
	s0 := q.db.Stats()
	r0, c0 := q.Transactions()
	b.ResetTimer()
	cpu0 := processCPU()
	n := uploadLike(b, q, b.N, 4, 1000)
	cpu := processCPU() - cpu0
	b.StopTimer()
	s1 := q.db.Stats()
	r1, c1 := q.Transactions()
	d := s1.TxStats.Sub(&s0.TxStats)
	b.ReportMetric(float64(c1-c0)/float64(n), "commits/file")
	b.ReportMetric(float64(d.GetWrite())/float64(c1-c0), "pages/commit")
	b.ReportMetric(float64(r1-r0)/float64(n), "reads/file")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/file")
}

// processCPU is the user + system CPU time this process used so far.
func processCPU() time.Duration {
	var r syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

package queue

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

const benchJobs = 100_000

func benchBatch(n int, target string) []Job {
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = job(target, fmt.Sprintf("photos/%03d/IMG_%06d.jpg", i%500, i))
	}
	return jobs
}

// BenchmarkEnqueue100k enqueues 100,000 new jobs per iteration into a fresh
// queue, in batches of 1,000 (a watcher flushing as it scans) and in one
// batch (a big drag-and-drop).
func BenchmarkEnqueue100k(b *testing.B) {
	jobs := benchBatch(benchJobs, "t")
	for _, size := range []int{1000, benchJobs} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				q, _ := openTest(b, Options{})
				b.StartTimer()
				for i := 0; i < len(jobs); i += size {
					if _, err := q.Enqueue(jobs[i:min(i+size, len(jobs))]...); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*benchJobs)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}

// BenchmarkClaimFinish measures one claim+finish cycle (two committed
// transactions) with 100,000 jobs queued behind it.
func BenchmarkClaimFinish(b *testing.B) {
	q, _ := openTest(b, Options{})
	jobs := benchBatch(benchJobs, "t")
	mustEnqueue(b, q, jobs...)
	now := time.Now()
	fp := &Fingerprint{Size: 1}
	done := 0
	for b.Loop() {
		j, ok, err := q.Claim(now, nil)
		if err != nil {
			b.Fatal(err)
		}
		if !ok {
			b.StopTimer()
			mustEnqueue(b, q, jobs...)
			b.StartTimer()
			continue
		}
		if err := q.Finish(j.ID, HistoryEntry{}, fp); err != nil {
			b.Fatal(err)
		}
		done++
	}
	b.ReportMetric(float64(done)/b.Elapsed().Seconds(), "jobs/s")
}

// BenchmarkClaimBehindBusyTarget claims the one job of a free target while
// 100,000 older jobs of a saturated target are refused by allow.
func BenchmarkClaimBehindBusyTarget(b *testing.B) {
	q, _ := openTest(b, Options{})
	mustEnqueue(b, q, benchBatch(benchJobs, "busy")...)
	mustEnqueue(b, q, job("free", "x"))
	now := time.Now()
	allow := func(j Job) bool { return j.Target != "busy" }
	for b.Loop() {
		j, ok, err := q.Claim(now, allow)
		if err != nil || !ok {
			b.Fatalf("claim: %v %v", ok, err)
		}
		if err := q.Requeue(j.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaveSession saves a session from 8 concurrent workers per CPU,
// as after every acknowledged chunk; bbolt's Batch groups them into
// shared fsyncs.
func BenchmarkSaveSession(b *testing.B) {
	q, _ := openTest(b, Options{})
	ids := mustEnqueue(b, q, benchBatch(64, "t")...)
	s := Session{ChunkSize: 8 << 20, State: []byte(`{"upload_key":"0123456789abcdef"}`), Acked: make([]int, 100), Size: 800 << 20}
	var next atomic.Int64
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		id := ids[int(next.Add(1))%len(ids)]
		for pb.Next() {
			if err := q.SaveSession(id, s); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSaveSessionSerial saves one file's session after each chunk in
// series, as for SelfCommunity's parts: no other saver shares the commit,
// so the batch delay is pure waiting.
func BenchmarkSaveSessionSerial(b *testing.B) {
	q, _ := openTest(b, Options{})
	ids := mustEnqueue(b, q, benchBatch(1, "t")...)
	s := Session{ChunkSize: 204_800, State: []byte(`{"file_uuid":"0123456789abcdef"}`), Size: 1 << 30}
	for b.Loop() {
		s.Acked = append(s.Acked, len(s.Acked))
		if err := q.SaveSession(ids[0], s); err != nil {
			b.Fatal(err)
		}
	}
}

package queue

import (
	"sync/atomic"
	"time"
)

// releaseEvery is how often, at most, the queue hands back the pages of
// its file that reads and writes have mapped into the process.
const releaseEvery = 2 * time.Second

// mappedRelease rate-limits releaseMapped.
type mappedRelease struct {
	last    atomic.Int64 // Unix nanoseconds of the last release
	batched atomic.Int64 // jobs enqueued in batches since EnqueueJobs last released
}

// enqueued counts an enqueue of n distinct keys and reports whether the
// batches since the last such release make another one due (see
// releaseAfterJobs).
func (m *mappedRelease) enqueued(n int) bool {
	if n < releaseBatch {
		return false
	}
	if m.batched.Add(int64(n)) < releaseAfterJobs {
		return false
	}
	m.batched.Store(0)
	return true
}

// maybeRelease releases the queue file's mapped pages when the last release
// is releaseEvery old. bbolt maps the whole file and every transaction
// touches the pages it reads, so without this the process's resident
// memory would grow with the file: with every file ever sent (the sent
// index) and the history, although none of it is needed in memory between
// transactions. The pages stay in the kernel's page cache; a later read
// maps them again without touching the disk.
func (q *Queue) maybeRelease() {
	now := time.Now().UnixNano()
	last := q.release.last.Load()
	if now-last < int64(releaseEvery) || !q.release.last.CompareAndSwap(last, now) {
		return
	}
	q.releaseMapped()
}

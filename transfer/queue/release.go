package queue

import (
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// releaseEvery is how often, at most, the queue hands back the pages of
// its file that reads and writes have mapped into the process.
const releaseEvery = 2 * time.Second

// mappedRelease rate-limits releaseMapped.
type mappedRelease struct {
	last atomic.Int64 // Unix nanoseconds of the last release
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

// releaseDuringEvery is how often releaseDuring hands back the pages that
// a long read has mapped so far.
const releaseDuringEvery = 10 * time.Millisecond

// releaseDuring runs read, a walk over much of the file inside tx (bbolt's
// consistency check when a queue opens), while releasing the pages it
// maps every releaseDuringEvery, and once more after it: the walk's
// resident share of the file stays what it maps in that time instead of
// the whole file. Releasing from another goroutine is safe while tx is
// open (see releaseTx): the walk maps again what it reads next.
func releaseDuring(tx *bolt.Tx, read func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		tick := time.NewTicker(releaseDuringEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				releaseTx(tx)
			}
		}
	}()
	read()
	close(done)
	<-exited
	releaseTx(tx)
}

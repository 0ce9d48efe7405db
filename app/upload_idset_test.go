package app

import (
	"runtime"
	"testing"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// The view's memory of the jobs it was given does not grow a map entry per
// file: after 100,000 jobs, each forgotten once finished as the view does,
// it holds a few KiB (a map entry per job held 2.3 MB before).
func TestWatchedJobsMemoryFlat(t *testing.T) {
	w := newWatchedJobs(0, 0)
	// A job queued before this upload, then this upload's, nearly in order.
	if !w.add(7, 1) || w.add(7, 1) {
		t.Fatal("job 7: want new once, then known")
	}
	w.forget(7)
	const n = 100_000
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	for id := queue.JobID(1000); id < 1000+n; id++ {
		if !w.add(id, 1) {
			t.Fatalf("job %d: not new the first time", id)
		}
		if w.add(id, 1) {
			t.Fatalf("job %d: new the second time", id)
		}
		w.forget(id)
	}
	if w.add(7, 1) {
		t.Fatal("job 7: new again after it was forgotten")
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	grew := int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
	t.Logf("heap grew %d bytes for %d jobs", grew, n)
	if grew > 256<<10 {
		t.Errorf("heap grew %d KiB for %d jobs, want at most 256 KiB", grew>>10, n)
	}
	runtime.KeepAlive(w)
}

// idSet answers add and has like a map of ids, across word boundaries and
// far apart.
func TestIDSet(t *testing.T) {
	s := newIDSet()
	ids := []queue.JobID{0, 1, 63, 64, 65, 127, 128, 1 << 40, 1<<63 + 5}
	for _, id := range ids {
		if s.has(id) || !s.add(id) || !s.has(id) || s.add(id) {
			t.Fatalf("id %d: has/add disagree with a set", id)
		}
	}
	for _, id := range []queue.JobID{2, 62, 66, 129, 1<<40 + 1, 1<<63 + 4} {
		if s.has(id) {
			t.Errorf("id %d: in the set, never added", id)
		}
	}
}

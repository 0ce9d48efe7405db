package transfer

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/ferry-sync/ferry/transfer/internal/racebuild"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// A small file's upload reads the queue a bounded number of times: the
// learned chunk size, the session and the sent index in one read
// (Queue.UploadRecords), and the Changed mark: 2 reads (5, then 4, before).
func TestSmallFileUploadQueueReads(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Discard: true, Caps: provider.Capabilities{BeginNeedsNoSave: true}}, TargetSettings{}, fastOpts())
	ids, err := r.q.Enqueue(r.file("s/a.txt", []byte("small")), r.file("s/b.txt", []byte("small too")))
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		j, ok, err := r.q.Claim(r.e.opts.Now(), nil)
		if err != nil || !ok || j.ID != id {
			t.Fatalf("claim: %+v %v %v, want job %d", j, ok, err, id)
		}
		reads0, _ := r.q.Transactions()
		if _, _, err := r.e.upload(context.Background(), newActive(j)); err != nil {
			t.Fatalf("upload %s: %v", j.RelPath, err)
		}
		reads, _ := r.q.Transactions()
		if n := reads - reads0; i > 0 && n > 2 { // the first resolves the target
			t.Errorf("upload read the queue %d times, want at most 2", n)
		}
	}
}

// The engine's own allocations per small file stay bounded: the reads
// bind only their buckets, the session is read once, and the uploaded line
// is logged without building a logger per file (750 allocations per file
// before, 535 after, the fake provider's included).
func TestSmallFileAllocations(t *testing.T) {
	if racebuild.Enabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	opts := fastOpts()
	opts.Parallel = 2
	r := newRig(t, fakeprovider.Options{Discard: true, Caps: provider.Capabilities{BeginNeedsNoSave: true}}, TargetSettings{}, opts)
	const n = 300
	jobs := make([]queue.Job, n)
	for i := range jobs {
		jobs[i] = r.file(fmt.Sprintf("s/%04d.txt", i), []byte("small file body"))
	}
	r.run()
	r.wait(r.enqueue(jobs[0])...) // the target resolved, the workers started
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	r.wait(r.enqueue(jobs[1:]...)...)
	runtime.ReadMemStats(&m1)
	perFile := float64(m1.Mallocs-m0.Mallocs) / (n - 1)
	t.Logf("%.0f allocations per file", perFile)
	if perFile > 600 {
		t.Errorf("%.0f allocations per small file, want at most 600", perFile)
	}
}

// A one-chunk file to a service that stores it with its chunk is looked
// up by path three times: before it is opened (a FIFO must not be
// opened), after its bytes were read into memory (the check that they are
// a whole version), and before Finish; four before (one more just before
// the read, which proved nothing the one after it does not).
func TestSmallFileStats(t *testing.T) {
	caps := provider.Capabilities{BeginNeedsNoSave: true, LastChunkStores: true}
	r := newRig(t, fakeprovider.Options{Discard: true, Caps: caps}, TargetSettings{}, fastOpts())
	ids, err := r.q.Enqueue(r.file("s/a.txt", []byte("small")))
	if err != nil {
		t.Fatal(err)
	}
	j, ok, err := r.q.Claim(r.e.opts.Now(), nil)
	if err != nil || !ok || j.ID != ids[0] {
		t.Fatalf("claim: %+v %v %v", j, ok, err)
	}
	p, stats := localPath(j), 0
	statPath = func(name string) (os.FileInfo, error) {
		if name == p {
			stats++
		}
		return os.Stat(name)
	}
	t.Cleanup(func() { statPath = os.Stat })
	if _, _, err := r.e.upload(context.Background(), newActive(j)); err != nil {
		t.Fatal(err)
	}
	if stats != 3 {
		t.Errorf("the file was looked up %d times by path, want 3", stats)
	}
}

// TestRecordedAfterTheQueueCommit: the engine calls a result's Recorded
// once per finished upload, and only once the sent index holds it (the
// queue's finish is durable): a provider drops its crash-recovery record
// there (Twake's pending record).
func TestRecordedAfterTheQueueCommit(t *testing.T) {
	var r *rig
	var mu sync.Mutex
	calls := map[string]int{}
	var early []string
	opts := fakeprovider.Options{OnRecorded: func(remote string) {
		_, ok, err := r.q.Sent("fake", remote)
		mu.Lock()
		defer mu.Unlock()
		calls[remote]++
		if err != nil || !ok {
			early = append(early, remote)
		}
	}}
	r = newRig(t, opts, TargetSettings{}, fastOpts())
	r.run()
	var ids []queue.JobID
	for i := range 5 {
		ids = append(ids, r.enqueue(r.file(fmt.Sprintf("f%d.txt", i), randBytes(uint64(i+1), 100)))...)
	}
	r.wait(ids...)
	mu.Lock()
	defer mu.Unlock()
	if len(early) > 0 {
		t.Fatalf("Recorded ran before the sent index held %v", early)
	}
	for i := range 5 {
		if n := calls[fmt.Sprintf("up/f%d.txt", i)]; n != 1 {
			t.Errorf("Recorded of up/f%d.txt called %d times, want 1 (calls %v)", i, n, calls)
		}
	}
}

package transfer

import (
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestThousandJobsWithFailures: 1,000 files through a fake that fails 20%
// of Begin, PutChunk and Finish calls with retryable errors all end done,
// each stored exactly once with the right bytes.
func TestThousandJobsWithFailures(t *testing.T) {
	const n = 1000
	opts := fastOpts()
	opts.Parallel = 16
	r := newRig(t, fakeprovider.Options{Seed: 42, Caps: provider.Capabilities{
		MinChunkSize: 256, DefaultChunkSize: 1024, ParallelChunks: true, Resumable: true,
	}}, TargetSettings{ChunkParallel: 2}, opts)
	for _, op := range []fakeprovider.Op{fakeprovider.OpBegin, fakeprovider.OpPut, fakeprovider.OpFinish} {
		r.fake.AddFault(fakeprovider.Fault{Op: op, Rate: 0.2})
	}
	sub := r.e.Subscribe()
	defer sub.Close()
	jobs := make([]queue.Job, n)
	for i := range jobs {
		jobs[i] = r.file(name(i), randBytes(uint64(i), 100+i*3))
	}
	r.run()
	ids := r.enqueue(jobs...)
	r.wait()
	if inj := r.fake.Injected(); inj < n/10 {
		t.Fatalf("only %d failures injected; the test would not exercise retries", inj)
	}
	h := r.history()
	fin, err := r.fake.Finishes()
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if h[id].Outcome != queue.Done {
			t.Fatalf("job %d: %+v", id, h[id])
		}
		r.checkStoredIn(fin, "up/"+name(i), randBytes(uint64(i), 100+i*3))
	}
	files, err := r.fake.Files()
	if err != nil || len(files) != n {
		t.Fatalf("server holds %d files (%v), want %d", len(files), err, n)
	}
	counts, err := r.q.Counts()
	if err != nil {
		t.Fatal(err)
	}
	for s, c := range counts {
		if c != 0 {
			t.Errorf("%d jobs still %s", c, s)
		}
	}
	r.checkClean()
	// Every job's Done event arrived although nobody read while it ran.
	done := map[queue.JobID]int{}
	for len(done) < n {
		ev := <-sub.C
		if ev.Progress == nil && ev.Job.State == queue.Done {
			done[ev.Job.ID]++
		}
	}
	for id, c := range done {
		if c != 1 {
			t.Errorf("job %d: %d done events", id, c)
		}
	}
}

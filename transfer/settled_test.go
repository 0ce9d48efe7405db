package transfer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// WaitSettled lets a one-shot command end while a file keeps failing: the
// job counts as through once it waits after the given number of failed
// attempts, and it stays queued for a later run.
func TestWaitSettledGivesUpAfterAttempts(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{DefaultChunkSize: 1000}}, TargetSettings{}, fastOpts())
	// Every Begin of stuck.bin: a retryable 503.
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpBegin, Match: func(c fakeprovider.Call) bool {
		return strings.HasSuffix(c.Path, "stuck.bin")
	}})
	r.run()
	fine := randBytes(1, 10)
	ok := r.enqueue(r.file("fine.bin", fine))[0]
	id := r.enqueue(r.file("stuck.bin", randBytes(2, 10)))[0]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.e.WaitSettled(ctx, 3, id, ok); err != nil {
		t.Fatal(err)
	}
	j, err := r.q.Get(id)
	if err != nil {
		t.Fatalf("the failing job left the queue: %v", err)
	}
	if j.State != queue.Waiting || j.Attempts < 3 {
		t.Fatalf("job %s after %d attempts, want waiting after at least 3", j.State, j.Attempts)
	}
	r.checkStored("up/fine.bin", fine)
}

// Without a limit WaitSettled waits like WaitIdle: a job still retrying
// keeps it waiting.
func TestWaitSettledWithoutLimitKeepsWaiting(t *testing.T) {
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpBegin})
	r.run()
	id := r.enqueue(r.file("stuck.bin", randBytes(3, 10)))[0]
	r.until("a few failed attempts", func() bool { return r.job(id).Attempts >= 3 })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := r.e.WaitSettled(ctx, 0, id); err == nil {
		t.Fatal("WaitSettled without a limit returned while the job was still retrying")
	}
}

// WaitSettled reads the queue at most once every settleCheckEvery, not at
// every state change: 300 small files change state about a thousand times,
// and a waiter that checked at each (as `ferry upload` did, two waiters)
// made several wake-ups and reads a file.
func TestWaitSettledChecksAreSpaced(t *testing.T) {
	const files = 300
	opts := fastOpts()
	opts.Parallel = 4
	r := newRig(t, fakeprovider.Options{Discard: true, Caps: provider.Capabilities{BeginNeedsNoSave: true}}, TargetSettings{}, opts)
	jobs := make([]queue.Job, files)
	for i := range jobs {
		jobs[i] = r.file(name(i), randBytes(uint64(i), 512))
	}
	ids := r.enqueue(jobs...)
	before := r.e.settleChecks.Load()
	start := time.Now()
	r.run()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.e.WaitSettled(ctx, 0, ids...); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	checks := r.e.settleChecks.Load() - before
	if most := int64(took/settleCheckEvery) + 2; checks > most {
		t.Errorf("%d checks in %v for %d files: more than one every %v (%d)", checks, took, files, settleCheckEvery, most)
	}
	h := r.history()
	for _, id := range ids {
		if h[id].Outcome != queue.Done {
			t.Fatalf("job %d: %s (%s)", id, h[id].Outcome, h[id].ErrMsg)
		}
	}
}

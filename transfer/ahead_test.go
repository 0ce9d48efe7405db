package transfer

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// aheadRig is a rig of n files of size bytes each to a service that takes
// latency per call, with parallel slots, running; it samples the queue's
// Running count until stopped and returns the highest seen.
func aheadRig(t *testing.T, n, size, parallel int, latency time.Duration) (*rig, []queue.JobID, func() int) {
	t.Helper()
	return aheadRigWith(t, n, size, parallel, fakeprovider.Options{Latency: latency}, queue.Options{})
}

// aheadRigWith is aheadRig with the service's and the queue's options.
func aheadRigWith(t *testing.T, n, size, parallel int, fopts fakeprovider.Options, qopts queue.Options) (*rig, []queue.JobID, func() int) {
	t.Helper()
	opts := fastOpts()
	opts.Parallel = parallel
	r := newRigQueue(t, fopts, TargetSettings{}, opts, qopts)
	jobs := make([]queue.Job, n)
	for i := range jobs {
		jobs[i] = r.file(name(i), randBytes(uint64(i), size))
	}
	ids := r.enqueue(jobs...)
	var peak atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if c, err := r.q.Counts(); err == nil && int64(c[queue.Running]) > peak.Load() {
				peak.Store(int64(c[queue.Running]))
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	r.run()
	return r, ids, func() int {
		close(stop)
		wg.Wait()
		return int(peak.Load())
	}
}

// TestSmallFilesAreClaimedAhead checks that while every slot uploads a
// small file, each worker keeps its next jobs claimed (Running in the
// queue, not yet started), so it can start one while the previous finish
// commits; never more than aheadDepth per worker; and that every file is
// uploaded once, with nothing left Running.
func TestSmallFilesAreClaimedAhead(t *testing.T) {
	const files, parallel = 60, 3
	r, ids, peak := aheadRig(t, files, 2<<10, parallel, 5*time.Millisecond)
	r.wait(ids...)
	p := peak()
	if p <= parallel {
		t.Errorf("at most %d jobs Running with %d slots busy with small files: none was claimed ahead", p, parallel)
	}
	if p > (1+aheadDepth)*parallel {
		t.Errorf("%d jobs Running with %d slots: more than %d claimed ahead per worker", p, parallel, aheadDepth)
	}
	h := r.history()
	for i, id := range ids {
		if h[id].Outcome != queue.Done {
			t.Fatalf("job %d: %s (%s)", id, h[id].Outcome, h[id].ErrMsg)
		}
		r.checkStored("up/"+name(i), randBytes(uint64(i), 2<<10))
	}
	if c, err := r.q.Counts(); err != nil || c[queue.Running] != 0 {
		t.Errorf("Running after every upload: %v %v", c, err)
	}
	r.checkClean()
}

// TestClaimsAheadAreHurried checks that a worker never waits out the
// linger of a claim it needs: claims ahead and the finishes behind them
// are patient writes (queue.Picker.Behind) that linger for company, here
// for an hour, and only a worker's Hurry, or a write somebody waits for,
// starts their commit. Every file must still be uploaded.
func TestClaimsAheadAreHurried(t *testing.T) {
	const files, parallel = 40, 2
	// Nothing saved after Begin (as for files.ro and SelfCommunity): the
	// claims and finishes are the only writes while the files go out.
	fopts := fakeprovider.Options{Latency: time.Millisecond, Caps: provider.Capabilities{BeginNeedsNoSave: true}}
	r, ids, peak := aheadRigWith(t, files, 1<<10, parallel, fopts, queue.Options{GroupLinger: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.e.WaitIdle(ctx, ids...); err != nil {
		t.Fatalf("%d small files with claims ahead that linger an hour unless hurried: %v", files, err)
	}
	if p := peak(); p <= parallel {
		t.Errorf("at most %d jobs Running with %d slots busy with small files: none was claimed ahead", p, parallel)
	}
	h := r.history()
	for _, id := range ids {
		if h[id].Outcome != queue.Done {
			t.Fatalf("job %d: %s (%s)", id, h[id].Outcome, h[id].ErrMsg)
		}
	}
	r.checkClean()
}

// TestBigFilesAreNotClaimedAhead checks that no job waits claimed behind
// a big upload: a job claimed ahead waits for the whole upload it follows.
func TestBigFilesAreNotClaimedAhead(t *testing.T) {
	const parallel = 2
	r, ids, peak := aheadRig(t, 8, aheadMaxSize+1, parallel, 5*time.Millisecond)
	r.wait(ids...)
	if p := peak(); p > parallel {
		t.Errorf("%d jobs Running with %d slots busy with big files: a job was claimed ahead of one", p, parallel)
	}
}

// TestClaimedAheadGoBackWhenPausedOrStopped checks that the jobs claimed
// ahead are given back to the queue, not left Running, when every upload
// is paused and when the engine stops: a job left Running would not run
// until the next start, and then be taken for an interrupted upload.
func TestClaimedAheadGoBackWhenPausedOrStopped(t *testing.T) {
	const files, parallel = 200, 3
	r, ids, peak := aheadRig(t, files, 1<<10, parallel, 10*time.Millisecond)
	r.until("more than one job claimed ahead by some worker", func() bool {
		c, err := r.q.Counts()
		return err == nil && c[queue.Running] > 2*parallel
	})
	if err := r.e.PauseAll(time.Time{}); err != nil {
		t.Fatal(err)
	}
	r.until("the workers to stop", func() bool {
		_, p, err := r.e.Snapshot()
		return err == nil && len(p.Jobs) == 0
	})
	r.until("nothing Running under the pause", func() bool {
		c, err := r.q.Counts()
		return err == nil && c[queue.Running] == 0
	})
	if err := r.e.ResumeAll(); err != nil {
		t.Fatal(err)
	}
	r.until("jobs claimed ahead again", func() bool {
		c, err := r.q.Counts()
		return err == nil && c[queue.Running] > parallel
	})
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	peak()
	c, err := r.q.Counts()
	if err != nil || c[queue.Running] != 0 {
		t.Fatalf("after the engine stopped: %v %v, want nothing Running", c, err)
	}
	for _, id := range ids {
		if j, err := r.q.Get(id); err == nil && j.Interrupted {
			t.Errorf("job %d marked interrupted after a clean stop", id)
		}
	}

	// A new engine on the same queue sends the rest.
	e2 := New(r.q, fixed(r.fake, TargetSettings{}), fastOpts())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e2.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	err = e2.WaitIdle(wctx, ids...)
	wcancel()
	cancel()
	if rerr := <-done; rerr != nil {
		t.Error(rerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	h := r.history()
	for _, id := range ids {
		if h[id].Outcome != queue.Done {
			t.Errorf("job %d: %s (%s)", id, h[id].Outcome, h[id].ErrMsg)
		}
	}
}

package transfer

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestBandwidthWait checks the token bucket in fake time: the limit holds,
// and a change wakes a waiter at once.
func TestBandwidthWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bw := newBandwidth(10_000) // 10 kB/s, burst 1 kB
		start := time.Now()
		for range 50 {
			if err := bw.wait(context.Background(), 1000); err != nil {
				t.Fatal(err)
			}
		}
		// 50 kB at 10 kB/s, less the initial burst.
		if got := time.Since(start); got < 4900*time.Millisecond || got > 5100*time.Millisecond {
			t.Fatalf("50 kB at 10 kB/s took %v of fake time", got)
		}

		bw.set(1) // 1 B/s: a 1000-byte wait would take 1000 s
		done := make(chan time.Duration)
		go func() {
			s := time.Now()
			if err := bw.wait(context.Background(), 1000); err != nil {
				t.Error(err)
			}
			done <- time.Since(s)
		}()
		time.Sleep(3 * time.Second)
		bw.set(0)
		if got := <-done; got > 4*time.Second {
			t.Fatalf("a waiter took %v after the limit was lifted", got)
		}
	})
}

// TestStallAttempt checks the watchdog in fake time: no heartbeat for
// StallTimeout aborts the attempt with a retryable error; heartbeats keep
// it alive.
func TestStallAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := &Engine{opts: Options{StallTimeout: time.Minute}.withDefaults()}
		start := time.Now()
		err := e.attempt(context.Background(), "put chunk 0", func(ctx context.Context, _ func()) error {
			<-ctx.Done()
			return ctx.Err()
		})
		if !provider.IsRetryable(err) || time.Since(start) != time.Minute {
			t.Fatalf("stalled attempt: %v after %v", err, time.Since(start))
		}
		err = e.attempt(context.Background(), "put chunk 0", func(ctx context.Context, touch func()) error {
			for range 10 {
				time.Sleep(30 * time.Second)
				touch()
			}
			return ctx.Err()
		})
		if err != nil {
			t.Fatalf("an attempt with steady progress was aborted: %v", err)
		}
	})
}

// TestBandwidthChangeWhileRunning: a tight limit slows every upload but
// does not serialise them; lifting it while they run lets them finish.
func TestBandwidthChangeWhileRunning(t *testing.T) {
	opts := fastOpts()
	opts.Bandwidth = 2 << 10
	opts.Parallel = 3
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1024, DefaultChunkSize: 16 << 10}}, TargetSettings{}, opts)
	var jobs []queue.Job
	for i := range 3 {
		jobs = append(jobs, r.file(name(i), randBytes(uint64(i), 128<<10)))
	}
	r.run()
	ids := r.enqueue(jobs...)
	r.until("all three uploads to make progress under the limit", func() bool {
		_, p, err := r.e.Snapshot()
		if err != nil || len(p.Jobs) != 3 {
			return false
		}
		for _, j := range p.Jobs {
			if j.Done == 0 {
				return false
			}
		}
		return true
	})
	r.e.SetBandwidth(0)
	if r.e.Bandwidth() != 0 {
		t.Fatal("bandwidth limit not lifted")
	}
	r.wait(ids...)
	for i := range 3 {
		r.checkStored("up/"+name(i), randBytes(uint64(i), 128<<10))
	}
}

// countingProvider wraps a provider and tracks how many sessions are open
// at once, overall.
type countingProvider struct {
	provider.Provider
	mu       sync.Mutex
	open     int
	maxOpen  int
	maxAfter int // max since reset
}

func (c *countingProvider) Begin(ctx context.Context, u provider.Upload) (provider.Session, error) {
	s, err := c.Provider.Begin(ctx, u)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.open++
	c.maxOpen = max(c.maxOpen, c.open)
	c.maxAfter = max(c.maxAfter, c.open)
	c.mu.Unlock()
	return &countingSession{Session: s, c: c}, nil
}

func (c *countingProvider) reset() (before int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	before, c.maxAfter = c.maxOpen, 0
	return before
}

type countingSession struct {
	provider.Session
	c *countingProvider
}

func (s *countingSession) Finish(ctx context.Context) (provider.Result, error) {
	res, err := s.Session.Finish(ctx)
	if err == nil {
		s.c.mu.Lock()
		s.c.open--
		s.c.mu.Unlock()
	}
	return res, err
}

// TestLiveParallelism: the engine never runs more files than Parallel (or
// a target's MaxParallel), and raising Parallel while running takes effect.
func TestLiveParallelism(t *testing.T) {
	fake := fakeprovider.MustNew(fakeprovider.Options{Latency: 5 * time.Millisecond})
	cp := &countingProvider{Provider: fake}
	opts := fastOpts()
	opts.Parallel = 1
	q := newQueue(t)
	r := &rig{t: t, q: q, fake: fake, root: t.TempDir(), e: New(q, fixed(cp, TargetSettings{MaxParallel: 3}), opts)}
	var jobs []queue.Job
	for i := range 30 {
		jobs = append(jobs, r.file(name(i), randBytes(uint64(i), 500)))
	}
	r.run()
	ids := r.enqueue(jobs...)
	r.until("five uploads", func() bool { return r.okCalls(fakeprovider.OpFinish) >= 5 })
	if err := r.e.SetParallel(8); err != nil {
		t.Fatal(err)
	}
	if before := cp.reset(); before != 1 {
		t.Fatalf("with Parallel 1, %d files were open at once", before)
	}
	r.wait(ids...)
	cp.mu.Lock()
	after := cp.maxAfter
	cp.mu.Unlock()
	if after < 2 || after > 3 {
		t.Fatalf("after SetParallel(8) with a target limit of 3, at most %d files were open at once; want 2 or 3", after)
	}
	if err := r.e.SetParallel(0); err == nil {
		t.Fatal("SetParallel(0) accepted")
	}
}

// TestEventsAndProgress: every state change of every job is delivered in
// order to a subscriber that reads only at the end, progress events are
// at least ProgressInterval apart, and a slow reader gets the newest
// snapshot rather than a backlog.
func TestEventsAndProgress(t *testing.T) {
	opts := fastOpts()
	opts.Bandwidth = 256 << 10
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1024, DefaultChunkSize: 8 << 10}}, TargetSettings{}, opts)
	live := r.e.Subscribe()
	lazy := r.e.Subscribe()
	defer lazy.Close()
	var (
		progress []Event
		states   = map[queue.JobID][]queue.State{}
		wg       sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ev := range live.C {
			if ev.Progress != nil {
				progress = append(progress, ev)
			}
		}
	}()
	var jobs []queue.Job
	for i := range 50 {
		jobs = append(jobs, r.file(name(i), randBytes(uint64(i), 8<<10)))
	}
	r.run()
	ids := r.enqueue(jobs...)
	r.wait(ids...)
	live.Close()
	wg.Wait()

	if len(progress) < 2 {
		t.Fatalf("%d progress events during a ~2s upload", len(progress))
	}
	for i := 1; i < len(progress); i++ {
		if gap := progress[i].Time.Sub(progress[i-1].Time); gap < opts.withDefaults().ProgressInterval {
			t.Fatalf("progress events %v apart; the limit is 10 per second", gap)
		}
	}
	nprog := 0
	for len(states) < len(ids) || !allDone(states) {
		select {
		case ev := <-lazy.C:
			if ev.Progress != nil {
				nprog++
				continue
			}
			states[ev.Job.ID] = append(states[ev.Job.ID], ev.Job.State)
		case <-time.After(10 * time.Second):
			t.Fatalf("events missing: %v", states)
		}
	}
	if nprog > 2 {
		t.Fatalf("a reader that fell behind got %d progress snapshots; want only the newest", nprog)
	}
	for id, ss := range states {
		want := []queue.State{queue.Queued, queue.Running, queue.Done}
		if len(ss) != 3 || ss[0] != want[0] || ss[1] != want[1] || ss[2] != want[2] {
			t.Fatalf("job %d went through %v, want %v", id, ss, want)
		}
	}
}

func allDone(states map[queue.JobID][]queue.State) bool {
	for _, ss := range states {
		if len(ss) == 0 || ss[len(ss)-1] != queue.Done {
			return false
		}
	}
	return true
}

// TestSnapshotWithoutSubscribers: Snapshot reports bytes, totals and a
// speed even when no subscriber drives the progress ticker.
func TestSnapshotWithoutSubscribers(t *testing.T) {
	r := slowRig(t, 64<<10)
	r.run()
	id := r.enqueue(r.file("snap.bin", randBytes(11, 128<<10)))[0]
	r.until("a snapshot with speed", func() bool {
		jobs, p, err := r.e.Snapshot()
		if err != nil || len(jobs) != 1 || jobs[0].Progress == nil {
			return false
		}
		jp := jobs[0].Progress
		return jp.Total == 128<<10 && jp.Done > 0 && jp.Speed > 0 && jp.ETA > 0 && p.Total == jp.Total
	})
	r.e.SetBandwidth(0)
	r.wait(id)
}

// TestProgressIdleWithoutListeners: no subscriber, no progress work; the
// first subscriber starts it and it stops again after the last one left.
func TestProgressIdleWithoutListeners(t *testing.T) {
	r := slowRig(t, 32<<10)
	r.run()
	id := r.enqueue(r.file("idle.bin", randBytes(13, 96<<10)))[0]
	r.until("upload under way", func() bool { return r.okCalls(fakeprovider.OpPut) >= 3 })
	if n := r.e.samples.Load(); n != 0 {
		t.Fatalf("%d progress snapshots built with nobody listening", n)
	}
	sub := r.e.Subscribe()
	select {
	case <-sub.C:
	case <-time.After(30 * time.Second):
		t.Fatal("no event after subscribing")
	}
	r.until("a progress snapshot", func() bool { return r.e.samples.Load() > 0 })
	sub.Close()
	r.until("the ticker to notice", func() bool {
		before := r.e.samples.Load()
		time.Sleep(3 * r.e.opts.ProgressInterval)
		return r.e.samples.Load() == before
	})
	r.e.SetBandwidth(0)
	r.wait(id)
}

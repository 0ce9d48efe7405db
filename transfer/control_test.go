package transfer

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// putsAfter returns the chunk indexes of successful puts after the first
// skip calls.
func putsAfter(t *testing.T, r *rig, skip int) []int {
	calls, err := r.fake.Calls()
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, c := range calls[skip:] {
		if c.Op == fakeprovider.OpPut && c.OK() {
			out = append(out, c.Chunk)
		}
	}
	return out
}

func callCount(t *testing.T, r *rig) int {
	calls, err := r.fake.Calls()
	if err != nil {
		t.Fatal(err)
	}
	return len(calls)
}

func TestPauseResumeJob(t *testing.T) {
	r := slowRig(t, 32<<10)
	data := randBytes(1, 64<<10)
	r.run()
	id := r.enqueue(r.file("p.bin", data))[0]
	r.until("two chunks", func() bool { return r.okCalls(fakeprovider.OpPut) >= 2 })
	if err := r.e.Pause(id); err != nil {
		t.Fatal(err)
	}
	r.until("the worker to stop", func() bool { return !r.running(id) })
	if j := r.job(id); j.State != queue.Paused {
		t.Fatalf("after Pause the job is %s", j.State)
	}
	s, ok, err := r.q.LoadSession(id)
	if err != nil || !ok || len(s.Acked) < 2 {
		t.Fatalf("session after pause: %+v %v %v", s, ok, err)
	}
	mark := callCount(t, r)
	r.e.SetBandwidth(0)
	if err := r.e.Resume(id); err != nil {
		t.Fatal(err)
	}
	r.wait(id)
	r.checkStored("up/p.bin", data)
	for _, c := range putsAfter(t, r, mark) {
		if slices.Contains(s.Acked, c) {
			t.Fatalf("chunk %d was acknowledged before the pause and sent again", c)
		}
	}
	r.checkClean()
}

func TestCancelRunningAndPausedJobs(t *testing.T) {
	r := slowRig(t, 16<<10)
	r.run()
	ids := r.enqueue(r.file("a.bin", randBytes(2, 64<<10)), r.file("b.bin", randBytes(3, 64<<10)))
	r.until("both uploading", func() bool { return r.running(ids[0]) && r.running(ids[1]) && r.okCalls(fakeprovider.OpPut) >= 2 })
	if err := r.e.Pause(ids[1]); err != nil {
		t.Fatal(err)
	}
	r.until("b to stop", func() bool { return !r.running(ids[1]) })
	for _, id := range ids {
		if err := r.e.Cancel(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.e.Cancel(ids[0]); !errors.Is(err, queue.ErrNotFound) {
		t.Fatalf("second cancel: %v, want ErrNotFound", err)
	}
	r.wait(ids...)
	h := r.history()
	for _, id := range ids {
		if h[id].Outcome != queue.Cancelled {
			t.Fatalf("job %d: %+v", id, h[id])
		}
	}
	r.until("server sessions aborted", func() bool {
		s, err := r.fake.Sessions()
		return err == nil && len(s) == 0
	})
	if files, _ := r.fake.Files(); len(files) != 0 {
		t.Fatalf("cancelled uploads stored %v", files)
	}
}

func TestRetryFailedJob(t *testing.T) {
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpBegin, Count: 2, Err: &provider.Error{Kind: provider.ErrPermanent, Op: "begin", Status: 400, Message: "bad request"}})
	r.run()
	ids := r.enqueue(r.file("r1.txt", []byte("one")), r.file("r2.txt", []byte("two")))
	r.wait(ids...)
	for _, id := range ids {
		if j := r.job(id); j.State != queue.Failed || j.ErrKind != KindPermanent {
			t.Fatalf("job %+v, want failed permanent", j)
		}
	}
	if err := r.e.Retry(ids[0]); err != nil {
		t.Fatal(err)
	}
	r.wait(ids[0])
	if n, err := r.e.RetryAll(); err != nil || n != 1 {
		t.Fatalf("RetryAll requeued %d (%v), want 1", n, err)
	}
	r.wait(ids...)
	r.checkStored("up/r1.txt", []byte("one"))
	r.checkStored("up/r2.txt", []byte("two"))
}

func TestPauseAll(t *testing.T) {
	r := slowRig(t, 32<<10)
	if err := r.e.PauseAll(time.Time{}); err != nil {
		t.Fatal(err)
	}
	id := r.enqueue(r.file("x.bin", randBytes(4, 64<<10)))[0]
	// While paused the dispatcher claims nothing.
	r.e.dispatch()
	if j := r.job(id); j.State != queue.Queued || r.running(id) {
		t.Fatalf("paused engine started job: %+v", j)
	}
	// The pause is in the queue: another engine on it is paused too.
	if p, until, err := New(r.q, fixed(r.fake, TargetSettings{}), fastOpts()).Paused(); err != nil || !p || !until.IsZero() {
		t.Fatalf("Paused() = %v %v %v, want paused until resumed", p, until, err)
	}
	if err := r.e.ResumeAll(); err != nil {
		t.Fatal(err)
	}
	r.run()
	r.until("upload under way", func() bool { return r.okCalls(fakeprovider.OpPut) >= 2 })
	if err := r.e.PauseAll(time.Time{}); err != nil {
		t.Fatal(err)
	}
	r.until("the worker to stop", func() bool { return !r.running(id) })
	if j := r.job(id); j.State != queue.Queued {
		t.Fatalf("a job stopped by PauseAll is %s, want queued", j.State)
	}
	s, _, err := r.q.LoadSession(id)
	if err != nil || len(s.Acked) == 0 {
		t.Fatalf("session after PauseAll: %+v %v", s, err)
	}
	mark := callCount(t, r)
	r.e.SetBandwidth(0)
	until := time.Now().Add(200 * time.Millisecond)
	if err := r.e.PauseAll(until); err != nil {
		t.Fatal(err)
	}
	r.wait(id)
	calls, err := r.fake.Calls()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls[mark:] {
		if c.At.Before(until) {
			t.Fatalf("%s call at %v, before the pause ended at %v", c.Op, c.At, until)
		}
		if c.Op == fakeprovider.OpPut && slices.Contains(s.Acked, c.Chunk) {
			t.Fatalf("chunk %d sent again after PauseAll", c.Chunk)
		}
	}
	r.checkClean()
}

// TestShutdownKeepsSession: Run returns promptly after its context ends;
// the job is queued again with its acknowledged chunks saved.
func TestShutdownKeepsSession(t *testing.T) {
	r := slowRig(t, 16<<10)
	r.run()
	id := r.enqueue(r.file("s.bin", randBytes(5, 64<<10)))[0]
	r.until("upload under way", func() bool { return r.okCalls(fakeprovider.OpPut) >= 2 })
	if err := r.stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if j := r.job(id); j.State != queue.Queued {
		t.Fatalf("after shutdown the job is %s", j.State)
	}
	if s, ok, err := r.q.LoadSession(id); err != nil || !ok || len(s.Acked) < 2 {
		t.Fatalf("session after shutdown: %+v %v %v", s, ok, err)
	}
}

func TestStallWatchdog(t *testing.T) {
	opts := fastOpts()
	opts.StallTimeout = 150 * time.Millisecond
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 100, DefaultChunkSize: 1000}}, TargetSettings{}, opts)
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Hang: true, Count: 1})
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpFinish, Hang: true, Count: 1})
	data := randBytes(6, 3500)
	r.run()
	id := r.enqueue(r.file("stall.bin", data))[0]
	r.wait(id)
	r.checkStored("up/stall.bin", data)
	if r.fake.Injected() != 2 {
		t.Fatalf("%d hangs injected, want 2", r.fake.Injected())
	}
	r.checkClean()
}

func TestChunkTooLargeStepsDown(t *testing.T) {
	r := newRig(t, fakeprovider.Options{MaxBody: 3000, Caps: provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: 8000}}, TargetSettings{}, fastOpts())
	r.run()
	a, b := randBytes(7, 20000), randBytes(8, 9000)
	id := r.enqueue(r.file("a.bin", a))[0]
	r.wait(id)
	r.checkStored("up/a.bin", a)
	if n, ok, err := r.q.TargetChunkSize("fake"); err != nil || !ok || n != 2000 {
		t.Fatalf("remembered chunk size %d %v %v, want 2000", n, ok, err)
	}
	mark := callCount(t, r)
	id = r.enqueue(r.file("b.bin", b))[0]
	r.wait(id)
	r.checkStored("up/b.bin", b)
	calls, _ := r.fake.Calls()
	for _, c := range calls[mark:] {
		if c.Op == fakeprovider.OpPut && (!c.OK() || c.Size > 2000) {
			t.Fatalf("second file used %d-byte chunks (%s); the step-down was not remembered", c.Size, c.Err)
		}
	}
	r.checkClean()
}

func TestTooLargeFails(t *testing.T) {
	t.Run("file_over_limit", func(t *testing.T) {
		r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MaxFileSize: 1000}}, TargetSettings{}, fastOpts())
		r.run()
		id := r.enqueue(r.file("big.bin", randBytes(9, 2000)))[0]
		r.wait(id)
		if j := r.job(id); j.State != queue.Failed || j.ErrKind != KindTooLarge {
			t.Fatalf("job %+v, want failed too_large", j)
		}
		if calls, _ := r.fake.Calls(); len(calls) != 0 {
			t.Fatalf("something was sent for a file over the limit: %v", calls)
		}
	})
	t.Run("smallest_chunk_refused", func(t *testing.T) {
		r := newRig(t, fakeprovider.Options{MaxBody: 500, Caps: provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: 4000}}, TargetSettings{}, fastOpts())
		r.run()
		id := r.enqueue(r.file("big.bin", randBytes(9, 9000)))[0]
		r.wait(id)
		j := r.job(id)
		if j.State != queue.Failed || j.ErrKind != KindTooLarge || !strings.Contains(j.ErrMsg, "smallest chunk size") {
			t.Fatalf("job %+v, want failed too_large at the smallest chunk size", j)
		}
		r.checkClean()
	})
}

func TestFailureKinds(t *testing.T) {
	t.Run("auth", func(t *testing.T) {
		r := newRig(t, fakeprovider.Options{RejectAuth: true}, TargetSettings{}, fastOpts())
		r.run()
		id := r.enqueue(r.file("a.txt", []byte("a")))[0]
		r.wait(id)
		if j := r.job(id); j.State != queue.Failed || j.ErrKind != KindAuth || !strings.Contains(JobReason(j), "credentials") {
			t.Fatalf("job %+v reason %q", j, JobReason(j))
		}
	})
	t.Run("config", func(t *testing.T) {
		q := newQueue(t)
		e := New(q, TargetFunc(func(context.Context, string) (provider.Provider, TargetSettings, error) {
			return nil, TargetSettings{}, errors.New("no account named fake")
		}), fastOpts())
		r := &rig{t: t, q: q, e: e, root: t.TempDir()}
		r.run()
		id := r.enqueue(r.file("a.txt", []byte("a")))[0]
		r.wait(id)
		if j := r.job(id); j.State != queue.Failed || j.ErrKind != KindConfig || !strings.Contains(j.ErrMsg, "no account named fake") {
			t.Fatalf("job %+v", j)
		}
	})
	t.Run("unsupported_policy", func(t *testing.T) {
		r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{Conflicts: []provider.ConflictPolicy{provider.ConflictRename}}}, TargetSettings{}, fastOpts())
		r.run()
		j := r.file("a.txt", []byte("a"))
		j.Conflict = string(provider.ConflictOverwrite)
		id := r.enqueue(j)[0]
		r.wait(id)
		if j := r.job(id); j.State != queue.Failed || j.ErrKind != KindConfig {
			t.Fatalf("job %+v", j)
		}
	})
	t.Run("skip_existing", func(t *testing.T) {
		r := newRig(t, fakeprovider.Options{}, TargetSettings{Conflict: provider.ConflictSkip}, fastOpts())
		r.run()
		id := r.enqueue(r.file("a.txt", []byte("first")))[0]
		r.wait(id)
		id = r.enqueue(r.file("a.txt", []byte("second")))[0]
		r.wait(id)
		if h := r.history()[id]; h.Outcome != queue.Cancelled || !strings.Contains(h.ErrMsg, "skipped") {
			t.Fatalf("history %+v", h)
		}
		r.checkStored("up/a.txt", []byte("first"))
	})
	t.Run("retryable_waits_persisted", func(t *testing.T) {
		opts := fastOpts()
		opts.JobBackoff = Backoff{Initial: time.Hour, Max: 2 * time.Hour}
		r := newRig(t, fakeprovider.Options{}, TargetSettings{}, opts)
		r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut})
		r.run()
		id := r.enqueue(r.file("a.txt", []byte("a")))[0]
		r.until("the job to wait", func() bool { return r.job(id).State == queue.Waiting })
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		j := r.job(id)
		if j.Attempts != 1 || j.ErrKind != KindRetryable || time.Until(j.NextAttempt) < 30*time.Minute {
			t.Fatalf("job %+v, want waiting about an hour after one attempt", j)
		}
		if calls := r.okCalls(fakeprovider.OpPut); calls != 0 {
			t.Fatalf("%d puts succeeded with every put failing", calls)
		}
	})
}

// TestRetryAfter: a short Retry-After delays the per-request retry at
// least that long; one longer than RequestRetryAfterMax ends the attempt
// and becomes the job's retry time.
func TestRetryAfter(t *testing.T) {
	busy := func(d time.Duration) error {
		return &provider.Error{Kind: provider.ErrRetryable, Op: "put chunk", Status: 429, RetryAfter: d}
	}
	t.Run("short", func(t *testing.T) {
		r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
		r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Count: 1, Err: busy(80 * time.Millisecond)})
		r.run()
		id := r.enqueue(r.file("a.txt", []byte("a")))[0]
		r.wait(id)
		r.checkStored("up/a.txt", []byte("a"))
		calls, _ := r.fake.Calls()
		var failed, next time.Time
		for _, c := range calls {
			if c.Op != fakeprovider.OpPut {
				continue
			}
			if !c.OK() {
				failed = c.At
			} else if !failed.IsZero() {
				next = c.At
				break
			}
		}
		if failed.IsZero() || next.Sub(failed) < 80*time.Millisecond {
			t.Fatalf("retry %v after a 429 asking for 80ms", next.Sub(failed))
		}
	})
	t.Run("long", func(t *testing.T) {
		r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
		r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Count: 1, Err: busy(2 * time.Hour)})
		r.run()
		id := r.enqueue(r.file("a.txt", []byte("a")))[0]
		r.until("the job to wait", func() bool { return r.job(id).State == queue.Waiting })
		if j := r.job(id); time.Until(j.NextAttempt) < 110*time.Minute {
			t.Fatalf("next attempt %v, want about 2h from now (Retry-After)", j.NextAttempt)
		}
		if n := r.fake.Injected(); n != 1 {
			t.Fatalf("the request was tried %d times within the attempt; a long Retry-After must end it", n)
		}
	})
}

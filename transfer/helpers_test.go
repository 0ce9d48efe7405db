package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// fastOpts are engine options with short backoffs, so retry paths run in
// milliseconds.
func fastOpts() Options {
	return Options{
		RequestBackoff: Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond},
		JobBackoff:     Backoff{Initial: time.Millisecond, Max: 20 * time.Millisecond},
		StallTimeout:   10 * time.Second,
		CommitQuiet:    20 * time.Millisecond,
		Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func openQueue(t testing.TB, p string) *queue.Queue {
	t.Helper()
	return openQueueWith(t, p, queue.Options{})
}

// openQueueWith is openQueue with options (Timeout defaults to 5s).
func openQueueWith(t testing.TB, p string, o queue.Options) *queue.Queue {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	q, err := queue.Open(p, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	return q
}

// newQueue opens a fresh queue. Its file goes to /dev/shm where there is
// one: these tests are about the engine, and on a machine shared with
// other builds every queue transaction's fsync otherwise waits in line
// behind theirs (the 1,000-job test went from 18s to 100s). The crash
// test keeps its queue on the real disk.
func newQueue(t testing.TB) *queue.Queue { return newQueueWith(t, queue.Options{}) }

// newQueueWith is newQueue with options.
func newQueueWith(t testing.TB, o queue.Options) *queue.Queue {
	dir := t.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "ferry-transfer-test-"); err == nil {
			dir = d
			t.Cleanup(func() { _ = os.RemoveAll(d) })
		}
	}
	return openQueueWith(t, filepath.Join(dir, "queue.db"), o)
}

// fixed resolves every target to one provider.
func fixed(p provider.Provider, set TargetSettings) TargetResolver {
	return TargetFunc(func(context.Context, string) (provider.Provider, TargetSettings, error) {
		return p, set, nil
	})
}

// rig is an engine over a fresh queue and a fake provider, running until
// the test ends.
type rig struct {
	t    testing.TB
	q    *queue.Queue
	fake *fakeprovider.Provider
	e    *Engine
	root string
	stop func() error
}

func newRig(t testing.TB, fopts fakeprovider.Options, set TargetSettings, opts Options) *rig {
	t.Helper()
	return newRigQueue(t, fopts, set, opts, queue.Options{})
}

// newRigQueue is newRig with the queue's options.
func newRigQueue(t testing.TB, fopts fakeprovider.Options, set TargetSettings, opts Options, qopts queue.Options) *rig {
	t.Helper()
	fake, err := fakeprovider.New(fopts)
	if err != nil {
		t.Fatal(err)
	}
	q := newQueueWith(t, qopts)
	r := &rig{t: t, q: q, fake: fake, root: t.TempDir()}
	r.e = New(q, fixed(fake, set), opts)
	return r
}

// run starts the engine; it stops at the end of the test at the latest.
func (r *rig) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.e.Run(ctx) }()
	stopped := false
	r.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return errors.New("engine did not stop")
		}
	}
	r.t.Cleanup(func() {
		if err := r.stop(); err != nil {
			r.t.Error(err)
		}
	})
}

// file writes a local file below the rig's root and returns its job.
func (r *rig) file(rel string, data []byte) queue.Job {
	r.t.Helper()
	p := filepath.Join(r.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		r.t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		r.t.Fatal(err)
	}
	return queue.Job{Target: "fake", Origin: "upload", Root: r.root, RelPath: rel, RemoteDir: "up", Size: fi.Size(), ModTime: fi.ModTime()}
}

func (r *rig) enqueue(jobs ...queue.Job) []queue.JobID {
	r.t.Helper()
	ids, err := r.e.Enqueue(jobs...)
	if err != nil {
		r.t.Fatal(err)
	}
	return ids
}

// wait waits (bounded) until the jobs reached a final state.
func (r *rig) wait(ids ...queue.JobID) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := r.e.WaitIdle(ctx, ids...); err != nil {
		r.t.Fatalf("wait for jobs %v: %v", ids, err)
	}
}

// waitDone is wait, failing the test unless every job was uploaded.
func (r *rig) waitDone(ids ...queue.JobID) {
	r.t.Helper()
	r.wait(ids...)
	h := r.history()
	for _, id := range ids {
		if h[id].Outcome != queue.Done {
			r.t.Fatalf("job %d ended %v: %s", id, h[id].Outcome, h[id].ErrMsg)
		}
	}
}

// history returns the history entries by job id.
func (r *rig) history() map[queue.JobID]queue.HistoryEntry {
	r.t.Helper()
	hs, err := r.q.History(0)
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[queue.JobID]queue.HistoryEntry{}
	for _, h := range hs {
		out[h.JobID] = h
	}
	return out
}

// job returns a job that is still in the queue.
func (r *rig) job(id queue.JobID) queue.Job {
	r.t.Helper()
	j, err := r.q.Get(id)
	if err != nil {
		r.t.Fatal(err)
	}
	return j
}

// checkClean asserts the fake saw no contract violation and holds no open
// session.
func (r *rig) checkClean() {
	r.t.Helper()
	if v := r.fake.Violations(); len(v) > 0 {
		r.t.Errorf("contract violations: %v", v)
	}
	if s, err := r.fake.Sessions(); err != nil || len(s) > 0 {
		r.t.Errorf("open sessions left on the server: %v %v", s, err)
	}
}

// checkStored asserts the server holds data at remote exactly, finished once.
func (r *rig) checkStored(remote string, data []byte) {
	r.t.Helper()
	fin, err := r.fake.Finishes()
	if err != nil {
		r.t.Fatal(err)
	}
	r.checkStoredIn(fin, remote, data)
}

// checkStoredIn is checkStored with the finish counts already read.
func (r *rig) checkStoredIn(fin map[string]int, remote string, data []byte) {
	r.t.Helper()
	got, ok, err := r.fake.Data(remote)
	if err != nil || !ok {
		r.t.Fatalf("server has no %s (%v)", remote, err)
	}
	if !bytes.Equal(got, data) {
		r.t.Fatalf("server has %d bytes at %s, want %d (content differs)", len(got), remote, len(data))
	}
	if fin[remote] != 1 {
		r.t.Fatalf("%s finished %d times, want 1", remote, fin[remote])
	}
}

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func name(i int) string { return fmt.Sprintf("d%d/f%04d.bin", i%7, i) }

// until polls cond every few milliseconds for at most 30s.
func (r *rig) until(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// okCalls counts successful calls of op, optionally after the first skip calls.
func (r *rig) okCalls(op fakeprovider.Op) int {
	r.t.Helper()
	calls, err := r.fake.Calls()
	if err != nil {
		r.t.Fatal(err)
	}
	n := 0
	for _, c := range calls {
		if c.Op == op && c.OK() {
			n++
		}
	}
	return n
}

// running reports whether job id has a worker.
func (r *rig) running(id queue.JobID) bool {
	r.e.mu.Lock()
	defer r.e.mu.Unlock()
	_, ok := r.e.active[id]
	return ok
}

// slowRig uploads through a resumable, sequential fake with 4 KiB chunks
// and a bandwidth limit, so a test can act in the middle of a file.
func slowRig(t *testing.T, bps int64) *rig {
	opts := fastOpts()
	opts.Bandwidth = bps
	return newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1024, DefaultChunkSize: 4096, Resumable: true}}, TargetSettings{}, opts)
}

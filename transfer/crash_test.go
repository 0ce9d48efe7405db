package transfer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

const (
	crashEnvDir       = "FERRY_TRANSFER_CRASH_DIR"
	crashEnvResumable = "FERRY_TRANSFER_CRASH_RESUMABLE"
	crashChunk        = 16 << 10
	crashChunks       = 24
	// crashResumeDeadline bounds the restarted engine's work on the
	// 384 KiB file (a fraction of a second at full speed).
	crashResumeDeadline = 30 * time.Second
)

func crashCaps(resumable bool) provider.Capabilities {
	return provider.Capabilities{
		MinChunkSize: 1 << 10, DefaultChunkSize: crashChunk,
		ParallelChunks: resumable, Resumable: resumable,
	}
}

// TestCrashChild is the child process of TestCrashResume: it runs the
// engine on a real queue file and a disk-backed fake server, slowly, until
// the parent kills it. It does nothing when run normally.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		return // only meaningful as the child of TestCrashResume
	}
	resumable := os.Getenv(crashEnvResumable) == "1"
	q, err := queue.Open(filepath.Join(dir, "queue.db"), queue.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	fake, err := fakeprovider.New(fakeprovider.Options{Dir: filepath.Join(dir, "server"), Caps: crashCaps(resumable)})
	if err != nil {
		t.Fatal(err)
	}
	opts := fastOpts()
	opts.Bandwidth = 64 << 10 // slow enough to be killed mid-file
	e := New(q, fixed(fake, TargetSettings{ChunkParallel: 2}), opts)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = e.Run(ctx) // the parent kills us long before the timeout
	t.Fatal("child engine was not killed")
}

// TestCrashResume kills an engine process with SIGKILL in the middle of a
// file, reopens the queue and checks that a resumable upload continues
// from the last acknowledged chunk and a non-resumable one restarts
// cleanly: nothing lost, nothing stored twice, no session left behind.
func TestCrashResume(t *testing.T) {
	for _, resumable := range []bool{true, false} {
		t.Run("resumable="+strconv.FormatBool(resumable), func(t *testing.T) {
			crashResume(t, resumable)
		})
	}
}

func crashResume(t *testing.T, resumable bool) {
	dir := t.TempDir()
	root := filepath.Join(dir, "local")
	data := randBytes(99, crashChunk*crashChunks-123)
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	qpath := filepath.Join(dir, "queue.db")
	q, err := queue.Open(qpath, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := q.Enqueue(queue.Job{Target: "fake", Root: root, RelPath: "big.bin", RemoteDir: "up", Size: fi.Size(), ModTime: fi.ModTime()})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	id := ids[0]

	srvDir := filepath.Join(dir, "server")
	watch, err := fakeprovider.New(fakeprovider.Options{Dir: srvDir, Caps: crashCaps(resumable)})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvDir+"="+dir, crashEnvResumable+"="+map[bool]string{true: "1", false: "0"}[resumable])
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once a few chunks were acknowledged.
	deadline := time.Now().Add(30 * time.Second)
	for {
		calls, err := watch.Calls()
		if err != nil {
			t.Fatal(err)
		}
		if okPuts(calls) >= 5 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("child acknowledged only %d chunks in 30s", okPuts(calls))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // "signal: killed" is the expected outcome

	before, err := watch.Calls()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range before {
		if c.Op == fakeprovider.OpFinish {
			t.Fatal("the child finished before it was killed; nothing was tested")
		}
	}
	q2 := openQueue(t, qpath)
	saved, ok, err := q2.LoadSession(id)
	if err != nil || !ok || len(saved.Acked) == 0 {
		t.Fatalf("no session with acknowledged chunks survived the kill: %+v %v %v", saved, ok, err)
	}
	r := &rig{t: t, q: q2, fake: watch, root: root}
	r.e = New(q2, fixed(watch, TargetSettings{ChunkParallel: 2}), fastOpts())
	r.run()
	// A deadline of its own, far below the 3 minutes of rig.wait: without
	// crash recovery the job stays Running forever, and the test must say
	// so quickly rather than hang.
	ctx, cancel := context.WithTimeout(context.Background(), crashResumeDeadline)
	defer cancel()
	if err := r.e.WaitIdle(ctx, id); err != nil {
		j, _ := q2.Get(id)
		t.Fatalf("the job did not finish within %v after the restart (state %s): a job a dead process left running must be resumed: %v",
			crashResumeDeadline, j.State, err)
	}
	if h := r.history()[id]; h.Outcome != queue.Done {
		t.Fatalf("after the restart: %+v", h)
	}
	r.checkStored("up/big.bin", data)
	r.checkClean()

	all, err := watch.Calls()
	if err != nil {
		t.Fatal(err)
	}
	after := all[len(before):]
	var resent []int
	begins := 0
	for _, c := range after {
		switch {
		case c.Op == fakeprovider.OpPut && c.OK():
			resent = append(resent, c.Chunk)
		case c.Op == fakeprovider.OpBegin:
			begins++
		}
	}
	slices.Sort(resent)
	if resumable {
		var want []int
		for i := range crashChunks {
			if !slices.Contains(saved.Acked, i) {
				want = append(want, i)
			}
		}
		if !slices.Equal(resent, want) || begins != 0 {
			t.Fatalf("after the restart sent chunks %v with %d Begin; want only the unacknowledged %v (acked before: %v)", resent, begins, want, saved.Acked)
		}
		return
	}
	if len(resent) != crashChunks || begins != 1 {
		t.Fatalf("non-resumable restart sent chunks %v with %d Begin; want all %d chunks once after one Begin", resent, begins, crashChunks)
	}
}

func okPuts(calls []fakeprovider.Call) int {
	n := 0
	for _, c := range calls {
		if c.Op == fakeprovider.OpPut && c.OK() {
			n++
		}
	}
	return n
}

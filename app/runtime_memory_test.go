package app

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// The limit is the floor for a small heap, and grows with the live heap by
// half of it plus the slack: the collector never has less room than that.
func TestWatchMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, memoryLimitFloor},
		{8 << 20, memoryLimitFloor},
		{12 << 20, 12<<20 + 6<<20 + memoryLimitSlack},
		{1 << 30, 1<<30 + 1<<29 + memoryLimitSlack},
	} {
		if got := watchMemoryLimit(tc.live); got != tc.want {
			t.Errorf("watchMemoryLimit(%d MiB) = %d MiB, want %d MiB", tc.live>>20, got>>20, tc.want>>20)
		}
	}
}

// The governor raises the limit when the live heap grows past what the
// floor allows and lowers it again when the heap shrinks (no runaway
// collector for a folder whose state outgrows a fixed figure), and stop
// puts the previous limit back.
func TestMemoryGovernorFollowsLiveHeap(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" || os.Getenv("GOGC") != "" {
		t.Skip("GOMEMLIMIT or GOGC is set: the governor leaves the runtime alone")
	}
	prev := debug.SetMemoryLimit(-1)
	stop := governMemory()
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	// Each collection runs the governor's finalizer shortly after.
	waitLimit := func(what string, ok func(int64) bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
			l := debug.SetMemoryLimit(-1)
			if ok(l) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the limit stayed %d MiB", what, l>>20)
			}
		}
	}
	waitLimit("at the start", func(l int64) bool { return l >= memoryLimitFloor && l < 64<<20 })
	held := make([][]byte, 64)
	for i := range held {
		held[i] = make([]byte, 1<<20)
	}
	waitLimit("with 64 MiB live", func(l int64) bool { return l >= watchMemoryLimit(64<<20) })
	runtime.KeepAlive(held)
	held = nil
	waitLimit("after the 64 MiB went", func(l int64) bool { return l < 64<<20 })
	stop()
	stopped = true
	if l := debug.SetMemoryLimit(-1); l != prev {
		t.Errorf("after stop the limit is %d, want %d as before", l, prev)
	}
}

// `ferry watch` runs under the governor's limit and leaves the limit as it
// found it.
func TestWatchGovernsMemory(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" || os.Getenv("GOGC") != "" {
		t.Skip("GOMEMLIMIT or GOGC is set: the governor leaves the runtime alone")
	}
	prev := debug.SetMemoryLimit(-1)
	if prev != math.MaxInt64 {
		t.Skipf("the test process runs under a memory limit already (%d)", prev)
	}
	e := newEnv(t)
	e.mustRun("k-1", "target", "add", "--no-test", "--name", "t", "--kind", "filesro", "--url", "http://127.0.0.1:9", "--secret-stdin")
	dir := filepath.Join(e.dir, "watched")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	e.mustRun("", "folder", "add", "--name", "w", "--path", dir, "--target", "t")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	seen := make(chan int64, 1)
	go func() {
		defer cancel()
		for ctx.Err() == nil {
			if l := debug.SetMemoryLimit(-1); l != prev {
				seen <- l
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	r := e.run(ctx, "", "watch")
	select {
	case l := <-seen:
		if l < memoryLimitFloor || l > 64<<20 {
			t.Errorf("ferry watch ran with a memory limit of %d MiB", l>>20)
		}
	default:
		t.Fatalf("ferry watch never set a memory limit (exit %d):\n%s", r.code, r.errOut)
	}
	if l := debug.SetMemoryLimit(-1); l != prev {
		t.Errorf("after ferry watch the limit is %d, want %d as before", l, prev)
	}
}

// Runtimes opened side by side share the one governor: GOGC and the limit
// stay governed until the last of them stops, and are then as before.
func TestGovernorSharedByRuntimes(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" || os.Getenv("GOGC") != "" {
		t.Skip("GOMEMLIMIT or GOGC is set: the governor leaves the runtime alone")
	}
	prevLimit := debug.SetMemoryLimit(-1)
	prevPercent := debug.SetGCPercent(-1)
	debug.SetGCPercent(prevPercent)
	first, second := governMemory(), governMemory()
	governed := func(when string) {
		t.Helper()
		p := debug.SetGCPercent(governedGCPercent)
		if p != governedGCPercent {
			t.Errorf("%s: GOGC is %d, want %d", when, p, governedGCPercent)
		}
		if l := debug.SetMemoryLimit(-1); l < memoryLimitFloor || l == prevLimit {
			t.Errorf("%s: the limit is %d, want the governor's", when, l)
		}
	}
	governed("with two users")
	first()
	first() // a second stop of the same user changes nothing
	governed("after the first user stopped")
	second()
	if p := debug.SetGCPercent(prevPercent); p != prevPercent {
		t.Errorf("after the last stop GOGC is %d, want %d as before", p, prevPercent)
	}
	if l := debug.SetMemoryLimit(-1); l != prevLimit {
		t.Errorf("after the last stop the limit is %d, want %d as before", l, prevLimit)
	}
}

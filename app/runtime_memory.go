package app

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// How the Go runtime collects garbage while a process runs the engine
// (`ferry watch`, `ferry upload`, the desktop app; see governMemory).
//
// The soft memory limit. With the default GOGC of 100 the heap grows to
// twice the live heap before a collection: during a first scan of 100,000
// files the live heap is about 12 MB (the watcher's memory of what it
// handed on, the batch in flight), the heap peaked at 25-29 MB and the
// process's anonymous memory at 30-33 MiB, more than half of the 60 MiB
// that `ferry watch` may use (issue 20). A long-running background
// process is judged by that peak, not by the CPU the collector saves with
// it. The limit is watchMemoryLimit of the live heap, set again after
// every collection: the heap may grow by half the live heap, plus slack
// for the runtime's own memory, before the collector runs early. That is
// a bounded price (never more collections than GOGC=50, and only while
// the heap is above memoryLimitFloor), and never the runaway of a fixed
// limit: a folder whose state outgrows any fixed figure raises its own
// limit with its live heap instead of making the collector run without
// pause. Measured over a 100,000-file first scan (GODEBUG=gctrace=1):
// without the limit 75 collections and an anonymous peak of 30-31 MiB;
// with 12 MiB of slack 87 collections and 25-27 MiB; with 8 MiB 116
// collections (a quarter more CPU for the scan) and 22-23 MiB; with 16 MiB
// no more collections and 29-31 MiB. 12 MiB is the trade.
//
// GOGC. Uploading small files the live heap is only 2-3 MB, and GOGC=100
// collects every time 4 MB more were allocated: 112 collections for 2,000
// files, each waking threads that compete with the upload (gctrace; the
// collector and the allocator were a fifth of the process's CPU under
// perf). With governedGCPercent the limit decides instead: a collection
// when the runtime's memory reaches the floor, so a few MiB of RSS buy
// fewer collections. Measured side by side, 2,000 files of 1-64 KiB to
// files.ro: 1.88-1.96 CPU s and 40-42 MiB before, 1.66-1.71 CPU s and
// 45-46 MiB after; 20,000 files of 1 KiB: 16.7 vs 14.7 CPU s, 50 MiB both.
const (
	// memoryLimitFloor is the lowest limit: below it the collector runs as
	// governedGCPercent says.
	memoryLimitFloor = 24 << 20
	// memoryLimitSlack is the room for the Go runtime's memory besides
	// the live heap and its growth: goroutine stacks, heap metadata, and
	// pages freed but not yet returned to the system.
	memoryLimitSlack = 12 << 20
	// governedGCPercent is GOGC while the governor runs: high enough that
	// the limit, not GOGC, starts the collections of a small heap, and
	// still a bound on the heap should the limit ever be lifted.
	governedGCPercent = 400
)

// watchMemoryLimit is the soft memory limit for a live heap of live
// bytes: the floor, or the live heap plus half of it plus the slack.
func watchMemoryLimit(live uint64) int64 {
	return max(memoryLimitFloor, int64(live+live/2+memoryLimitSlack))
}

// governor is the process's one memory governor; governMemory counts its
// users so that runtimes opened side by side (tests do) share it and the
// last to stop puts the runtime back as it was.
var governor struct {
	mu          sync.Mutex
	users       int
	g           *memoryGovernor
	prevPercent int
}

// governMemory sets GOGC to governedGCPercent and the Go runtime's soft
// memory limit to watchMemoryLimit(live heap), and keeps the limit there
// after every garbage collection, until the last caller's stop, which
// puts both back as they were. It does nothing when the user set
// GOMEMLIMIT or GOGC (their choice stands). stop may be called more than
// once.
func governMemory() (stop func()) {
	if os.Getenv("GOMEMLIMIT") != "" || os.Getenv("GOGC") != "" {
		return func() {}
	}
	governor.mu.Lock()
	defer governor.mu.Unlock()
	if governor.users++; governor.users == 1 {
		g := &memoryGovernor{prev: debug.SetMemoryLimit(-1)}
		governor.prevPercent = debug.SetGCPercent(governedGCPercent)
		g.adjust()
		g.arm()
		governor.g = g
	}
	return sync.OnceFunc(func() {
		governor.mu.Lock()
		defer governor.mu.Unlock()
		if governor.users--; governor.users == 0 {
			governor.g.stopped.Store(true)
			debug.SetMemoryLimit(governor.g.prev)
			debug.SetGCPercent(governor.prevPercent)
			governor.g = nil
		}
	})
}

// memoryGovernor follows the live heap after each collection.
type memoryGovernor struct {
	prev    int64 // the limit before governMemory
	stopped atomic.Bool
	sample  [1]metrics.Sample // used by the finalizer goroutine only, one cycle at a time
}

// gcTick is garbage the governor makes to hear of each collection: its
// finalizer runs after the first collection that finds it unreachable. It
// holds a pointer, so it is not batched with other tiny objects (whose
// finalizers may never run).
type gcTick struct{ g *memoryGovernor }

// arm makes a new gcTick whose finalizer adjusts the limit and arms the
// next one; it stops arming after stop. Callers hold governor.mu.
func (g *memoryGovernor) arm() {
	runtime.SetFinalizer(&gcTick{g: g}, func(t *gcTick) {
		// Under the lock, so that a stop cannot come between the check
		// and the new limit and leave the limit set after it.
		governor.mu.Lock()
		defer governor.mu.Unlock()
		if t.g.stopped.Load() {
			return
		}
		t.g.adjust()
		t.g.arm()
	})
}

// adjust sets the limit for the live heap the last collection measured.
func (g *memoryGovernor) adjust() {
	g.sample[0].Name = "/gc/heap/live:bytes"
	metrics.Read(g.sample[:])
	var live uint64
	if g.sample[0].Value.Kind() == metrics.KindUint64 {
		live = g.sample[0].Value.Uint64()
	}
	debug.SetMemoryLimit(watchMemoryLimit(live))
}

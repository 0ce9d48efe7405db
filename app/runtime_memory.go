package app

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// The Go runtime's soft memory limit while `ferry watch` runs (see
// governMemory). With the default GOGC of 100 the heap grows to twice the
// live heap before a collection: during a first scan of 100,000 files the
// live heap is about 12 MB (the watcher's memory of what it handed on, the
// batch in flight), the heap peaked at 25-29 MB and the process's
// anonymous memory at 30-33 MiB, more than half of the 60 MiB that
// `ferry watch` may use (issue 20). A long-running background process is
// judged by that peak, not by the CPU the collector saves with it.
//
// The limit is watchMemoryLimit of the live heap, set again after every
// collection: the heap may grow by half the live heap, plus slack for the
// runtime's own memory, before the collector runs early. That is a bounded
// price (never more collections than GOGC=50, and only while the heap is
// above memoryLimitFloor), and never the runaway of a fixed limit: a
// folder whose state outgrows any fixed figure raises its own limit with
// its live heap instead of making the collector run without pause.
// Measured over a 100,000-file first scan (GODEBUG=gctrace=1): without the
// limit 75 collections and an anonymous peak of 30-31 MiB; with 12 MiB of
// slack 87 collections and 25-27 MiB; with 8 MiB 116 collections (a
// quarter more CPU for the scan) and 22-23 MiB; with 16 MiB no more
// collections and 29-31 MiB. 12 MiB is the trade.
const (
	// memoryLimitFloor is the lowest limit: below it the collector runs as
	// GOGC says, so a small or idle process pays nothing.
	memoryLimitFloor = 24 << 20
	// memoryLimitSlack is the room for the Go runtime's memory besides
	// the live heap and its growth: goroutine stacks, heap metadata, and
	// pages freed but not yet returned to the system.
	memoryLimitSlack = 12 << 20
)

// watchMemoryLimit is the soft memory limit for a live heap of live
// bytes: the floor, or the live heap plus half of it plus the slack.
func watchMemoryLimit(live uint64) int64 {
	return max(memoryLimitFloor, int64(live+live/2+memoryLimitSlack))
}

// governMemory sets the Go runtime's soft memory limit to
// watchMemoryLimit(live heap) and keeps it there after every garbage
// collection, until stop, which puts the limit back as it was. It does
// nothing when the user set GOMEMLIMIT or GOGC (their choice stands).
func governMemory() (stop func()) {
	if os.Getenv("GOMEMLIMIT") != "" || os.Getenv("GOGC") != "" {
		return func() {}
	}
	g := &memoryGovernor{prev: debug.SetMemoryLimit(-1)}
	g.adjust()
	g.arm()
	return func() {
		g.stopped.Store(true)
		debug.SetMemoryLimit(g.prev)
	}
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
// next one; it stops arming after stop.
func (g *memoryGovernor) arm() {
	runtime.SetFinalizer(&gcTick{g: g}, func(t *gcTick) {
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

package transfer

import (
	"testing"

	"github.com/ferry-sync/ferry/transfer/internal/racebuild"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// An event a subscriber filters out, and a state change it queues, cost
// no allocation of the event itself: taking the address of the pushed
// event for the progress snapshot moved every event to the heap, 35 MB of
// garbage in a 100,000-file scan.
func TestPushDoesNotMoveEventsToTheHeap(t *testing.T) {
	if racebuild.Enabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	h := newHub()
	s := h.subscribe(func(ev Event) bool { return ev.Job.Target == "kept" })
	defer s.Close()
	ev := Event{Job: queue.Job{ID: 7, Target: "other", RelPath: "a/b.txt"}}
	if n := testing.AllocsPerRun(1000, func() { s.push(ev) }); n != 0 {
		t.Errorf("a filtered event costs %.1f allocations, want 0", n)
	}
}

package transfer

import (
	"reflect"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestEnqueueAnnouncesStoredJobs: Enqueue announces every input job, in
// input order, as the queue stored it (what Get returns), including a path
// given twice in one batch and a change coalesced onto a queued job; and a
// WaitIdle caller is woken.
func TestEnqueueAnnouncesStoredJobs(t *testing.T) {
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
	first := r.file("a", []byte("one"))
	r.enqueue(first)
	sub := r.e.Subscribe()
	defer sub.Close()
	r.e.mu.Lock()
	idle := r.e.changed
	r.e.mu.Unlock()

	changed := r.file("a", []byte("longer"))
	changed.ModTime = changed.ModTime.In(time.FixedZone("X", 7200))
	in := []queue.Job{r.file("b", []byte("b")), changed, r.file("c", []byte("c")), r.file("b", []byte("bb"))}
	ids := r.enqueue(in...)
	if ids[0] != ids[3] {
		t.Fatalf("one path, two ids: %v", ids)
	}
	for i, id := range ids {
		var ev Event
		for ev = range sub.C {
			if ev.Progress == nil {
				break
			}
		}
		want := r.job(id)
		if ev.Job.ID != id || !reflect.DeepEqual(ev.Job, want) {
			t.Fatalf("event %d:\nannounced %+v\nstored    %+v", i, ev.Job, want)
		}
	}
	select {
	case <-idle:
	default:
		t.Fatal("WaitIdle callers were not woken")
	}
}

// TestSubscribeStatesQueuesOnlyKept: a subscription for some states never
// queues the others (a scan's Queued announcements cost its reader no
// memory), and still delivers the kept ones in order.
func TestSubscribeStatesQueuesOnlyKept(t *testing.T) {
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
	sub := r.e.SubscribeStates(func(s queue.State) bool { return s == queue.Failed })
	defer sub.Close()
	var in []queue.Job
	for i := range 200 {
		in = append(in, r.file(name(i), []byte("x")))
	}
	refused := r.file("twin", []byte("y"))
	refused.ErrKind, refused.ErrMsg = KindNameTwins, "a twin"
	ids := r.enqueue(append(in, refused)...)
	sub.mu.Lock()
	queued := len(sub.pending)
	sub.mu.Unlock()
	if queued > 1 {
		t.Fatalf("%d events queued for a reader that keeps only Failed", queued)
	}
	select {
	case ev := <-sub.C:
		if ev.Job.ID != ids[len(ids)-1] || ev.Job.State != queue.Failed {
			t.Fatalf("got %+v, want the refused job as Failed", ev.Job)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the Failed job was not announced")
	}
}

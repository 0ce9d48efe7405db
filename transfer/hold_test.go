package transfer

import (
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestHoldIsNotTheUsersPause: a hold (metered connection) stops a running
// upload and keeps it Queued; the user's ResumeAll neither lifts it nor is
// lifted by it, a hold on another target does not touch this one, and
// releasing the hold resumes from the saved session.
func TestHoldIsNotTheUsersPause(t *testing.T) {
	r := slowRig(t, 32<<10)
	data := randBytes(7, 64<<10)
	r.run()
	id := r.enqueue(r.file("h.bin", data))[0]
	r.until("two chunks", func() bool { return r.okCalls(fakeprovider.OpPut) >= 2 })

	r.e.SetHold(Hold{Targets: []string{"other"}, Reason: "metered connection"})
	time.Sleep(50 * time.Millisecond)
	if !r.running(id) {
		t.Fatal("a hold on another target stopped this upload")
	}

	r.e.SetHold(Hold{Targets: []string{"fake"}, Reason: "metered connection"})
	r.until("the worker to stop", func() bool { return !r.running(id) })
	if j := r.job(id); j.State != queue.Queued {
		t.Fatalf("held job is %s, want queued", j.State)
	}
	if h := r.e.CurrentHold(); !h.Covers("fake") || h.Covers("other") || h.Reason != "metered connection" {
		t.Fatalf("CurrentHold = %+v", h)
	}
	// The user's resume does not fight the hold.
	if err := r.e.ResumeAll(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if r.running(id) {
		t.Fatal("ResumeAll started a held upload")
	}
	// The user's own pause is kept apart: releasing the hold while the
	// user paused everything starts nothing.
	if err := r.e.PauseAll(time.Time{}); err != nil {
		t.Fatal(err)
	}
	r.e.SetHold(Hold{})
	time.Sleep(100 * time.Millisecond)
	if r.running(id) {
		t.Fatal("releasing the hold overrode the user's pause")
	}
	mark := callCount(t, r)
	r.e.SetBandwidth(0)
	if err := r.e.ResumeAll(); err != nil {
		t.Fatal(err)
	}
	r.wait(id)
	r.checkStored("up/h.bin", data)
	if p := putsAfter(t, r, mark); len(p) > 0 && p[0] == 0 {
		t.Fatalf("the upload started over after the hold: puts %v", p)
	}
}

// TestHoldAllKeepsNewJobs: a hold on every target keeps new jobs queued
// until it is released.
func TestHoldAllKeepsNewJobs(t *testing.T) {
	r := slowRig(t, 0)
	r.e.SetHold(Hold{All: true, Reason: "metered connection"})
	r.run()
	id := r.enqueue(r.file("n.bin", randBytes(8, 8<<10)))[0]
	time.Sleep(100 * time.Millisecond)
	if j := r.job(id); j.State != queue.Queued || r.okCalls(fakeprovider.OpPut) != 0 {
		t.Fatalf("a held job ran: %s, %d puts", j.State, r.okCalls(fakeprovider.OpPut))
	}
	r.e.SetHold(Hold{})
	r.wait(id)
}

package queue

import (
	"errors"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/internal/racebuild"
)

// The reads the engine makes once per file (Get, LoadSession, Sent,
// TargetChunkSize, PausedUntil, StillClaimed) bind only the buckets they
// use: binding all ten allocated a handle each and was most of a read's
// cost (35-41 allocations per read before, 8-15 after).
func TestPerFileReadsBindOnlyTheirBuckets(t *testing.T) {
	if racebuild.Enabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	ids := mustEnqueue(t, q, job("t", "a.txt"), job("t", "b.txt"))
	j := mustClaim(t, q, c.Now())
	if err := q.SaveSession(j.ID, Session{ChunkSize: 4, State: []byte("s"), Size: 1234, ModTime: c.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := q.SetTargetChunkSize("t", 1<<20); err != nil {
		t.Fatal(err)
	}
	if b := mustClaim(t, q, c.Now()); b.ID != ids[1] {
		t.Fatalf("claimed %d, want %d", b.ID, ids[1])
	}
	fp := &Fingerprint{Size: 1, ModTime: c.Now(), RemoteID: "r1", Uploaded: c.Now()}
	if err := q.Finish(ids[1], HistoryEntry{Outcome: Done}, fp); err != nil {
		t.Fatal(err)
	}
	reads := []struct {
		name string
		max  float64
		fn   func() error
	}{
		{"Get", 15, func() error { _, err := q.Get(j.ID); return err }},
		{"LoadSession", 13, func() error { _, _, err := q.LoadSession(j.ID); return err }},
		{"Sent", 14, func() error { _, _, err := q.Sent("t", job("t", "b.txt").RemotePath()); return err }},
		{"TargetChunkSize", 12, func() error { _, _, err := q.TargetChunkSize("t"); return err }},
		{"PausedUntil", 12, func() error { _, err := q.PausedUntil(); return err }},
		{"StillClaimed", 19, func() error { _, _, err := q.StillClaimed(j.ID, time.Now()); return err }},
		{"Counts", 18, func() error { _, err := q.Counts(); return err }},
	}
	for _, r := range reads {
		if err := r.fn(); err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: %v", r.name, err)
		}
		if n := testing.AllocsPerRun(200, func() { _ = r.fn() }); n > r.max {
			t.Errorf("%s: %.0f allocations per read, want at most %.0f", r.name, n, r.max)
		}
	}
}

package queue

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestEnqueueJobsAsStored: what EnqueueJobs returns is exactly what Get
// reads back after the commit, for every way a job can be stored: new,
// folded inside the batch, coalesced onto a Queued, Running, Waiting,
// Paused or Failed job, refused, with a LocalPath, and with times that
// carry a zone and a monotonic reading (which a record does not keep).
func TestEnqueueJobsAsStored(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	for _, rel := range []string{"running", "waiting", "paused", "failed", "queued"} {
		mustEnqueue(t, q, job("t", rel))
	}
	mustClaim(t, q, c.Now()) // "running"
	w := mustClaim(t, q, c.Now())
	if err := q.Retry(w.ID, c.Now().Add(time.Hour), "retryable", "later"); err != nil {
		t.Fatal(err)
	}
	p := mustClaim(t, q, c.Now())
	if err := q.Pause(p.ID); err != nil {
		t.Fatal(err)
	}
	f := mustClaim(t, q, c.Now())
	if err := q.Fail(f.ID, "auth", "no"); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)

	zoned := time.Now().In(time.FixedZone("X", 3600)) // monotonic reading and a zone
	newer := func(rel string) Job {
		j := job("t", rel)
		j.Size, j.ModTime = 99, zoned
		return j
	}
	local := newer("nfd")
	local.LocalPath = "/home/u/docs/nfd-on-disk"
	refused := newer("twin")
	refused.ErrKind, refused.ErrMsg = "name-twins", "a twin"
	warned := newer("fresh")
	warned.Warning = "kept changing"
	in := []Job{
		newer("running"), newer("waiting"), newer("paused"), newer("failed"), newer("queued"),
		local, refused, warned, job("t", "dup"), newer("dup"),
	}
	got, err := q.EnqueueJobs(in...)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("%d jobs for %d", len(got), len(in))
	}
	for i, g := range got {
		want := mustGet(t, q, g.ID)
		if !reflect.DeepEqual(g, want) {
			t.Errorf("job %d (%s):\nreturned %+v\nstored   %+v", i, in[i].RelPath, g, want)
		}
	}
	if got[8].ID != got[9].ID {
		t.Errorf("a path twice in one batch got ids %d and %d", got[8].ID, got[9].ID)
	}
	if !got[0].Changed || got[0].State != Running {
		t.Errorf("running job = %+v, want Running with Changed", got[0])
	}
	ids := mustEnqueue(t, q, newer("queued"))
	if ids[0] != got[4].ID {
		t.Errorf("Enqueue id %d, EnqueueJobs id %d for one key", ids[0], got[4].ID)
	}
	checkIndexes(t, q)
}

// TestEnqueuePacksAppendedIndexes: ids only ever grow, so a scan's jobs
// and each target's ready index fill their pages instead of leaving them
// half empty (bbolt's default, meant for random inserts); the bykey index
// takes keys in any order and keeps the default.
func TestEnqueuePacksAppendedIndexes(t *testing.T) {
	q, _ := openTest(t, Options{})
	for b := range 20 {
		batch := make([]Job, 1000)
		for i := range batch {
			batch[i] = job("t", fmt.Sprintf("d%03d/f%05d.bin", (b*7+i)%97, b*1000+i))
		}
		mustEnqueue(t, q, batch...)
	}
	err := q.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketJobs, bucketReady} {
			s := tx.Bucket(name).Stats()
			if fill := float64(s.LeafInuse) / float64(s.LeafAlloc); fill < 0.8 {
				t.Errorf("bucket %s: leaf pages %.0f%% full, want at least 80%%", name, 100*fill)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkIndexes(t, q)
}

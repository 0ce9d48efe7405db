package queue

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/ferry-sync/ferry/transfer/internal/racebuild"
)

// Jobs decoded one after another with one cache read the same values as
// decoded alone, share the strings that repeat, and take a new value as
// soon as a field differs from the job before.
func TestDecodeJobSharedKeepsEveryValue(t *testing.T) {
	a := job("t", "d/a.txt")
	a.ID, a.RemoteDir, a.Conflict, a.State = 1, "up", "rename", Queued
	b := a
	b.ID, b.RelPath = 2, "d/b.txt"
	c := b
	c.ID, c.Target, c.Origin, c.Root, c.RemoteDir, c.Conflict = 3, "u", "manual", "/srv", "", "skip"
	d := c
	d.ID, d.Target = 4, "t"

	var cache strCache
	var got []Job
	for _, j := range []Job{a, b, c, d} {
		alone, err := decodeJob(encodeJob(j))
		if err != nil {
			t.Fatal(err)
		}
		shared, err := decodeJobShared(encodeJob(j), &cache)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(shared, alone) {
			t.Fatalf("job %d decoded with the cache:\n%+v\nalone:\n%+v", j.ID, shared, alone)
		}
		got = append(got, shared)
	}
	if unsafe.StringData(got[0].Root) != unsafe.StringData(got[1].Root) {
		t.Error("the second job's root was copied again, not shared with the first's")
	}
	if got[2].Target != "u" || got[3].Target != "t" || got[2].Conflict != "skip" {
		t.Errorf("a changed field kept the value before it: %+v / %+v", got[2], got[3])
	}
}

// A claim looking past the jobs of a folder being made decodes each of
// them; with the cache a job of the same target and folder costs only its
// own path's copy.
func TestDecodeJobSharedAllocatesOnlyThePath(t *testing.T) {
	if racebuild.Enabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	j := job("t", "d/a.txt")
	j.ID, j.RemoteDir, j.Conflict, j.State = 1, "up", "rename", Queued
	rec := encodeJob(j)
	var cache strCache
	if _, err := decodeJobShared(rec, &cache); err != nil {
		t.Fatal(err)
	}
	alone := testing.AllocsPerRun(100, func() { _, _ = decodeJob(rec) })
	shared := testing.AllocsPerRun(100, func() { _, _ = decodeJobShared(rec, &cache) })
	if shared != 1 || alone <= shared {
		t.Errorf("decoding a job: %.0f allocations with the cache, %.0f without; want 1 (its path) with it", shared, alone)
	}
}

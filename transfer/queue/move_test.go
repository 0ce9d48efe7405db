package queue

import (
	"errors"
	"testing"
	"time"
)

func moveJob(target, rel, from string, dir bool) Job {
	j := job(target, rel)
	j.RemoteDir, j.MoveFrom, j.MoveDir = "up", from, dir
	return j
}

func TestMoveJobRecordRoundTrip(t *testing.T) {
	for _, j := range []Job{moveJob("t", "b/x.txt", "a/x.txt", false), moveJob("t", "b", "a", true)} {
		j.ID, j.State, j.LocalPath = 7, Queued, "/home/u/docs/b/x\u0301"
		got, err := decodeJob(encodeJob(j))
		if err != nil || got.MoveFrom != j.MoveFrom || got.MoveDir != j.MoveDir || got.LocalPath != j.LocalPath {
			t.Errorf("round trip of %+v = %+v, %v", j, got, err)
		}
	}
	// A folder flag without the old path is damage, not a move of "".
	b := encodeJob(Job{ID: 1, State: Queued, Target: "t", RelPath: "x"})
	b[len(b)-1] |= flagMoveDir
	if _, err := decodeJob(b); !errors.Is(err, ErrCorrupt) {
		t.Errorf("folder flag without path: err = %v, want ErrCorrupt", err)
	}
	if _, err := (&Queue{}).Enqueue(Job{Target: "t", RelPath: "b", MoveDir: true}); !errors.Is(err, ErrInvalid) {
		t.Errorf("enqueue folder move without old path: %v", err)
	}
	if _, err := (&Queue{}).Enqueue(Job{Target: "t", RelPath: "b", MoveFrom: "../a"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("enqueue move from outside: %v", err)
	}
}

func putSent(t *testing.T, q *Queue, target, remotePath, id string) {
	t.Helper()
	fp := encodeFingerprint(Fingerprint{Size: 1234, ModTime: time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC), RemoteID: id})
	putRaw(t, q, bucketSent, sentKey(target, remotePath), fp)
}

func TestFinishMoveRekeysFile(t *testing.T) {
	q, _ := openTest(t, Options{Now: newClock().Now})
	putSent(t, q, "t", "up/a/x.txt", "id-x")
	putSent(t, q, "t", "up/a/y.txt", "id-y")
	id := mustEnqueue(t, q, moveJob("t", "b/x.txt", "a/x.txt", false))[0]
	mustClaim(t, q, time.Now())
	if err := q.FinishMove(id, HistoryEntry{RemotePath: "up/b/x.txt"}, "id-x2"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := q.Sent("t", "up/a/x.txt"); ok {
		t.Error("the old path is still in the sent index")
	}
	if fp, ok, _ := q.Sent("t", "up/b/x.txt"); !ok || fp.RemoteID != "id-x2" || fp.Size != 1234 {
		t.Errorf("new path: %+v %v", fp, ok)
	}
	if _, ok, _ := q.Sent("t", "up/a/y.txt"); !ok {
		t.Error("a sibling lost its record")
	}
	if _, err := q.Get(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("job still there: %v", err)
	}
	checkIndexes(t, q)
}

func TestFinishMoveRekeysFolder(t *testing.T) {
	q, _ := openTest(t, Options{Now: newClock().Now})
	for _, p := range []string{"up/a/x", "up/a/s/y", "up/ab/z", "up/a"} {
		putSent(t, q, "t", p, "id:"+p)
	}
	putSent(t, q, "u", "up/a/x", "other target")
	id := mustEnqueue(t, q, moveJob("t", "c", "a", true))[0]
	mustClaim(t, q, time.Now())
	if err := q.FinishMove(id, HistoryEntry{}, ""); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"up/c/x": "id:up/a/x", "up/c/s/y": "id:up/a/s/y", "up/ab/z": "id:up/ab/z", "up/a": "id:up/a"}
	got := map[string]string{}
	if err := q.SentAll("t", func(p string, fp Fingerprint) error { got[p] = fp.RemoteID; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("sent = %v, want %v", got, want)
	}
	for p, id := range want {
		if got[p] != id {
			t.Errorf("sent[%s] = %q, want %q (all: %v)", p, got[p], id, got)
		}
	}
	if fp, ok, _ := q.Sent("u", "up/a/x"); !ok || fp.RemoteID != "other target" {
		t.Error("another target's record was moved")
	}
}

func TestMoveCoalesceAndFallback(t *testing.T) {
	q, _ := openTest(t, Options{Now: newClock().Now})
	// A rescan of the same version keeps the move; a new version makes it an upload.
	id := mustEnqueue(t, q, moveJob("t", "b/x.txt", "a/x.txt", false))[0]
	up := moveJob("t", "b/x.txt", "", false)
	mustEnqueue(t, q, up)
	if j := mustGet(t, q, id); j.MoveFrom != "a/x.txt" {
		t.Errorf("same version dropped the move: %+v", j)
	}
	up.Size++
	mustEnqueue(t, q, up)
	if j := mustGet(t, q, id); j.MoveFrom != "" {
		t.Errorf("a new version kept the move: %+v", j)
	}
	// A move found for a queued upload of the same version turns it into the move.
	mustEnqueue(t, q, moveJob("t", "b/x.txt", "a/x.txt", false))
	if j := mustGet(t, q, id); j.MoveFrom != "a/x.txt" {
		t.Errorf("move onto an upload: %+v", j)
	}
	mustClaim(t, q, time.Now())
	if err := q.MoveFailed(id, "could not move"); err != nil {
		t.Fatal(err)
	}
	if j := mustGet(t, q, id); j.MoveFrom != "" || j.State != Queued || j.Warning != "could not move" {
		t.Errorf("after MoveFailed: %+v", j)
	}
	if err := q.FinishMove(id, HistoryEntry{}, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("FinishMove on an upload job: %v", err)
	}
	checkIndexes(t, q)
}

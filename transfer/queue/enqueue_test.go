package queue

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestEnqueueFillsFields(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	in := job("t", "dir/a.txt")
	in.ID, in.State, in.Attempts, in.Created = 77, Failed, 5, t0 // ignored
	in.RemoteDir = "backup"
	ids := mustEnqueue(t, q, in, job("t", "b"))
	if ids[0] != 1 || ids[1] != 2 {
		t.Fatalf("ids = %v", ids)
	}
	j := mustGet(t, q, ids[0])
	if j.State != Queued || j.Attempts != 0 || !j.Created.Equal(c.Now()) || !j.Updated.Equal(c.Now()) {
		t.Errorf("job = %+v", j)
	}
	if j.RemotePath() != "backup/dir/a.txt" || j.Size != in.Size || !j.ModTime.Equal(in.ModTime) {
		t.Errorf("job = %+v", j)
	}
	if ids, err := q.Enqueue(); err != nil || len(ids) != 0 {
		t.Errorf("empty enqueue = %v, %v", ids, err)
	}
	checkIndexes(t, q)
}

func TestEnqueueValidates(t *testing.T) {
	q, _ := openTest(t, Options{})
	bad := map[string]Job{
		"empty target":   {RelPath: "a"},
		"empty path":     {Target: "t"},
		"absolute":       {Target: "t", RelPath: "/etc/passwd"},
		"escaping":       {Target: "t", RelPath: "../a"},
		"unclean":        {Target: "t", RelPath: "a/../../b"},
		"dot":            {Target: "t", RelPath: "."},
		"remote abs":     {Target: "t", RelPath: "a", RemoteDir: "/x"},
		"remote escapes": {Target: "t", RelPath: "a", RemoteDir: ".."},
		"nul target":     {Target: "t\x00u", RelPath: "a"},
	}
	for name, j := range bad {
		_, err := q.Enqueue(job("t", "ok"), j)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	// A refused batch stores nothing, not even its valid jobs.
	n := 0
	if err := q.Jobs(nil, func(Job) bool { n++; return true }); err != nil || n != 0 {
		t.Errorf("jobs after refused batches: %d, %v", n, err)
	}
}

func TestEnqueueCoalescesInsideBatch(t *testing.T) {
	q, _ := openTest(t, Options{})
	a1, a2 := job("t", "a"), job("t", "a")
	a2.Size = 999
	ids := mustEnqueue(t, q, a1, job("t", "b"), a2, job("u", "a"))
	if ids[0] != ids[2] || ids[0] == ids[1] || ids[3] == ids[0] {
		t.Fatalf("ids = %v: same key must share an id, other target not", ids)
	}
	if j := mustGet(t, q, ids[0]); j.Size != 999 {
		t.Errorf("last change did not win: size %d", j.Size)
	}
	if c, err := q.Counts(); err != nil || c[Queued] != 3 {
		t.Errorf("counts = %v %v", c, err)
	}
	checkIndexes(t, q)
}

func TestEnqueueCoalescesByState(t *testing.T) {
	for _, from := range []State{Queued, Running, Waiting, Failed, Paused} {
		t.Run(string(from), func(t *testing.T) {
			c := newClock()
			q, _ := openTest(t, Options{Now: c.Now})
			id := setupState(t, q, c, from)
			if from == Paused {
				// A paused job keeps its last error too; give it one.
				if err := q.Update(id, func(j *Job) error { j.Attempts, j.ErrMsg = 2, "x"; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			c.Add(time.Second)
			in := job("t", "f")
			in.Size, in.Root, in.Origin, in.Conflict, in.Warning = 5, "/new", "drop", "overwrite", "never settled"
			in.ModTime = t0
			ids := mustEnqueue(t, q, in)
			if ids[0] != id {
				t.Fatalf("coalesced into new id %d, want %d", ids[0], id)
			}
			j := mustGet(t, q, id)
			want := map[State]State{Queued: Queued, Running: Running, Waiting: Queued, Failed: Queued, Paused: Paused}[from]
			if j.State != want {
				t.Errorf("state = %s, want %s", j.State, want)
			}
			if j.Size != 5 || j.Root != "/new" || j.Origin != "drop" || j.Conflict != "overwrite" ||
				j.Warning != "never settled" || !j.ModTime.Equal(t0) {
				t.Errorf("fields not updated: %+v", j)
			}
			if j.Attempts != 0 || j.ErrKind != "" || j.ErrMsg != "" || !j.NextAttempt.IsZero() {
				t.Errorf("error state not cleared: %+v", j)
			}
			if !j.Updated.Equal(c.Now()) || j.Created.Equal(c.Now()) {
				t.Errorf("times: created %v updated %v now %v", j.Created, j.Updated, c.Now())
			}
			if changed, err := q.Changed(id); err != nil || changed != (from == Running) {
				t.Errorf("changed = %v, %v", changed, err)
			}
			checkIndexes(t, q)
		})
	}
}

// The engine's protocol around a change that lands while a job runs.
// The same version enqueued again while it uploads (a rescan, a second
// event for one write) must not make the engine start over.
func TestSameVersionWhileRunningIsNotAChange(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	id := mustEnqueue(t, q, job("t", "f"))[0]
	mustClaim(t, q, c.Now())
	mustEnqueue(t, q, job("t", "f"))
	if changed, err := q.Changed(id); err != nil || changed {
		t.Fatalf("Changed = %v, %v after the same version was enqueued again", changed, err)
	}
}

func TestChangedWhileRunning(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	id := mustEnqueue(t, q, job("t", "f"))[0]
	version := int64(0)
	newVersion := func() Job { // the same file with new content
		version++
		j := job("t", "f")
		j.Size += version
		return j
	}

	// Changed, re-stat confirms what was sent is current: ClearChanged, Finish.
	mustClaim(t, q, c.Now())
	mustEnqueue(t, q, newVersion())
	if err := q.ClearChanged(id); err != nil {
		t.Fatal(err)
	}
	if err := q.Finish(id, HistoryEntry{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Get(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("finished job still there: %v", err)
	}

	// Changed after the last check: Finish records the upload but the job
	// stays, queued afresh without its session, so the new content goes too.
	id = mustEnqueue(t, q, job("t", "f"))[0]
	mustClaim(t, q, c.Now())
	if err := q.SaveSession(id, Session{ChunkSize: 1, Acked: []int{0}}); err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, q, newVersion())
	fp := Fingerprint{Size: 1234}
	if err := q.Finish(id, HistoryEntry{}, &fp); err != nil {
		t.Fatal(err)
	}
	if j := mustGet(t, q, id); j.State != Queued || j.Changed {
		t.Errorf("changed job after finish: %+v", j)
	}
	if _, ok, err := q.LoadSession(id); err != nil || ok {
		t.Errorf("session kept: %v %v", ok, err)
	}
	if _, ok, err := q.Sent("t", "f"); err != nil || !ok {
		t.Errorf("sent not recorded: %v %v", ok, err)
	}
	if h, err := q.History(0); err != nil || len(h) != 2 || h[0].Outcome != Done {
		t.Errorf("history = %+v %v", h, err)
	}

	// A failure of a run whose file changed meanwhile retries at once.
	for _, fail := range []func() error{
		func() error { return q.Retry(id, c.Now().Add(time.Hour), "retryable", "x") },
		func() error { return q.Fail(id, "permanent", "x") },
	} {
		mustClaim(t, q, c.Now())
		mustEnqueue(t, q, newVersion())
		if err := fail(); err != nil {
			t.Fatal(err)
		}
		if j := mustGet(t, q, id); j.State != Queued || j.Attempts != 0 || j.ErrMsg != "" {
			t.Errorf("failed changed job: %+v", j)
		}
	}
	checkIndexes(t, q)
}

func TestEnqueueAfterFinishMakesNewJob(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	id := mustEnqueue(t, q, job("t", "f"))[0]
	if _, err := q.Cancel(id); err != nil {
		t.Fatal(err)
	}
	if id2 := mustEnqueue(t, q, job("t", "f"))[0]; id2 == id {
		t.Errorf("cancelled job's id %d reused", id)
	}
	checkIndexes(t, q)
}

func TestEnqueueLargeBatch(t *testing.T) {
	q, _ := openTest(t, Options{})
	jobs := make([]Job, 5000)
	for i := range jobs {
		jobs[i] = job(fmt.Sprintf("t%d", i%3), fmt.Sprintf("d%d/f%d", i%7, i))
	}
	ids := mustEnqueue(t, q, jobs...)
	for i := 1; i < len(ids); i++ {
		if ids[i] != ids[i-1]+1 {
			t.Fatalf("ids not consecutive at %d: %d after %d", i, ids[i], ids[i-1])
		}
	}
	if c, err := q.Counts(); err != nil || c[Queued] != len(jobs) {
		t.Errorf("counts = %v %v", c, err)
	}
	checkIndexes(t, q)
}

// TestEnqueueRefused: a job given with ErrKind (the watcher refused the file,
// e.g. name twins) is stored Failed with its reason and never claimed; a
// later plain enqueue of the same file brings it back to Queued; a refusal
// of a queued job fails it.
func TestEnqueueRefused(t *testing.T) {
	q, _ := openTest(t, Options{})
	in := job("t", "café.txt")
	in.ErrKind, in.ErrMsg = "name_twins", "2 files are named café.txt"
	id := mustEnqueue(t, q, in)[0]
	j := mustGet(t, q, id)
	if j.State != Failed || j.ErrKind != "name_twins" || j.ErrMsg != in.ErrMsg {
		t.Fatalf("refused job = %+v", j)
	}
	if _, ok, err := q.Claim(time.Now(), nil); err != nil || ok {
		t.Fatalf("claimed a refused job: ok=%v err=%v", ok, err)
	}
	checkIndexes(t, q)

	mustEnqueue(t, q, job("t", "café.txt"))
	if j := mustGet(t, q, id); j.State != Queued || j.ErrKind != "" || j.ErrMsg != "" {
		t.Fatalf("re-enqueued job = %+v", j)
	}
	mustEnqueue(t, q, in)
	if j := mustGet(t, q, id); j.State != Failed || j.ErrKind != "name_twins" {
		t.Fatalf("refused again = %+v", j)
	}
	checkIndexes(t, q)
}

// A job marked Changed whose last enqueue named the very version the
// upload recorded (the file changed and came back, or a late hand-on of
// the version being sent) is finished, not kept: keeping it would send
// that version a second time.
func TestChangedBackToSentVersionNotKept(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	sent := job("t", "f")
	id := mustEnqueue(t, q, sent)[0]
	mustClaim(t, q, c.Now())
	other := sent
	other.Size++
	mustEnqueue(t, q, other) // a new version while it uploads
	mustEnqueue(t, q, sent)  // and the uploaded one again
	if changed, err := q.Changed(id); err != nil || !changed {
		t.Fatalf("Changed = %v, %v", changed, err)
	}
	fp := Fingerprint{Size: sent.Size, ModTime: sent.ModTime}
	if err := q.Finish(id, HistoryEntry{}, &fp); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Get(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("job kept to send the version just sent again: %v", err)
	}
	checkIndexes(t, q)
}

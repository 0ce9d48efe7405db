package queue

import (
	"errors"
	"testing"
	"time"
)

// setupState brings a fresh job into the named state through the public
// API, as the engine would, and returns its id.
func setupState(t *testing.T, q *Queue, c *clock, s State) JobID {
	t.Helper()
	id := mustEnqueue(t, q, job("t", "f"))[0]
	switch s {
	case Queued:
	case Running:
		mustClaim(t, q, c.Now())
	case Waiting:
		mustClaim(t, q, c.Now())
		if err := q.Retry(id, c.Now().Add(time.Minute), "retryable", "503"); err != nil {
			t.Fatal(err)
		}
	case Failed:
		mustClaim(t, q, c.Now())
		if err := q.Fail(id, "auth", "401"); err != nil {
			t.Fatal(err)
		}
	case Paused:
		if err := q.Pause(id); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("no setup for %s", s)
	}
	if got := mustGet(t, q, id).State; got != s {
		t.Fatalf("setup reached %s, want %s", got, s)
	}
	return id
}

const removed State = "(removed)"

func TestTransitions(t *testing.T) {
	ops := map[string]func(q *Queue, c *clock, id JobID) error{
		"claim": func(q *Queue, c *clock, id JobID) error {
			j, ok, err := q.Claim(c.Now(), nil)
			if err == nil && ok && j.ID != id {
				t.Errorf("claimed job %d, want %d", j.ID, id)
			}
			return err
		},
		"claim-later": func(q *Queue, c *clock, _ JobID) error {
			_, _, err := q.Claim(c.Now().Add(time.Hour), nil)
			return err
		},
		"retry": func(q *Queue, c *clock, id JobID) error {
			return q.Retry(id, c.Now().Add(time.Minute), "retryable", "x")
		},
		"fail":     func(q *Queue, _ *clock, id JobID) error { return q.Fail(id, "permanent", "x") },
		"requeue":  func(q *Queue, _ *clock, id JobID) error { return q.Requeue(id) },
		"due":      func(q *Queue, _ *clock, id JobID) error { return q.Due(id) },
		"pause":    func(q *Queue, _ *clock, id JobID) error { return q.Pause(id) },
		"resume":   func(q *Queue, _ *clock, id JobID) error { return q.Resume(id) },
		"finish":   func(q *Queue, _ *clock, id JobID) error { return q.Finish(id, HistoryEntry{}, nil) },
		"cancel":   func(q *Queue, _ *clock, id JobID) error { _, err := q.Cancel(id); return err },
		"enqueue":  func(q *Queue, _ *clock, _ JobID) error { _, err := q.Enqueue(job("t", "f")); return err },
		"warning":  func(q *Queue, _ *clock, id JobID) error { return q.SetWarning(id, "w") },
		"clearchg": func(q *Queue, _ *clock, id JobID) error { return q.ClearChanged(id) },
	}
	// want is the resulting state, or "" for ErrState (job unchanged).
	table := map[State]map[string]State{
		Queued: {
			"claim": Running, "claim-later": Running, "retry": "", "fail": "", "requeue": Queued, "due": "", "pause": Paused,
			"resume": Queued, "finish": removed, "cancel": removed, "enqueue": Queued, "warning": Queued, "clearchg": Queued,
		},
		Running: {
			"claim": Running, "claim-later": Running, "retry": Waiting, "fail": Failed, "requeue": Queued, "due": "", "pause": Paused,
			"resume": "", "finish": removed, "cancel": removed, "enqueue": Running, "warning": Running, "clearchg": Running,
		},
		Waiting: {
			"claim": Waiting, "claim-later": Running, "retry": "", "fail": "", "requeue": Queued, "due": Queued, "pause": Paused,
			"resume": "", "finish": removed, "cancel": removed, "enqueue": Queued, "warning": Waiting, "clearchg": Waiting,
		},
		Failed: {
			"claim": Failed, "claim-later": Failed, "retry": "", "fail": "", "requeue": Queued, "due": "", "pause": Paused,
			"resume": "", "finish": removed, "cancel": removed, "enqueue": Queued, "warning": Failed, "clearchg": Failed,
		},
		Paused: {
			"claim": Paused, "claim-later": Paused, "retry": "", "fail": "", "requeue": Queued, "due": "", "pause": Paused,
			"resume": Queued, "finish": removed, "cancel": removed, "enqueue": Paused, "warning": Paused, "clearchg": Paused,
		},
	}
	for from, row := range table {
		for op, want := range row {
			t.Run(string(from)+"/"+op, func(t *testing.T) {
				c := newClock()
				q, _ := openTest(t, Options{Now: c.Now})
				id := setupState(t, q, c, from)
				before := mustGet(t, q, id)
				c.Add(time.Second)
				err := ops[op](q, c, id)
				switch {
				case want == "":
					if !errors.Is(err, ErrState) {
						t.Fatalf("err = %v, want ErrState", err)
					}
					if after := mustGet(t, q, id); after != before {
						t.Errorf("refused %s changed the job:\n%+v\n%+v", op, before, after)
					}
				case err != nil:
					t.Fatalf("err = %v", err)
				case want == removed:
					if _, err := q.Get(id); !errors.Is(err, ErrNotFound) {
						t.Errorf("job still there: %v", err)
					}
				default:
					if got := mustGet(t, q, id).State; got != want {
						t.Errorf("state = %s, want %s", got, want)
					}
				}
				checkIndexes(t, q)
			})
		}
	}
}

func TestTransitionsUnknownID(t *testing.T) {
	q, _ := openTest(t, Options{})
	for name, err := range map[string]error{
		"retry":   q.Retry(7, time.Time{}, "", ""),
		"fail":    q.Fail(7, "", ""),
		"requeue": q.Requeue(7),
		"due":     q.Due(7),
		"pause":   q.Pause(7),
		"resume":  q.Resume(7),
		"finish":  q.Finish(7, HistoryEntry{}, nil),
		"warning": q.SetWarning(7, "w"),
		"update":  q.Update(7, func(*Job) error { return nil }),
		"session": q.SaveSession(7, Session{}),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}
	if _, err := q.Cancel(7); !errors.Is(err, ErrNotFound) {
		t.Errorf("cancel: %v", err)
	}
	if _, err := q.Changed(7); !errors.Is(err, ErrNotFound) {
		t.Errorf("changed: %v", err)
	}
}

func TestRetryAndFailRecordAttempts(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	id := mustEnqueue(t, q, job("t", "f"))[0]
	next := c.Now().Add(time.Minute)
	mustClaim(t, q, c.Now())
	if err := q.Retry(id, next, "retryable", "503 busy"); err != nil {
		t.Fatal(err)
	}
	j := mustGet(t, q, id)
	if j.Attempts != 1 || !j.NextAttempt.Equal(next) || j.ErrKind != "retryable" || j.ErrMsg != "503 busy" {
		t.Errorf("after retry: %+v", j)
	}
	mustClaim(t, q, next)
	if err := q.Fail(id, "auth", "401"); err != nil {
		t.Fatal(err)
	}
	j = mustGet(t, q, id)
	if j.State != Failed || j.Attempts != 2 || j.ErrKind != "auth" {
		t.Errorf("after fail: %+v", j)
	}
	// The user's "Retry now" on a failed job starts afresh.
	if err := q.Requeue(id); err != nil {
		t.Fatal(err)
	}
	j = mustGet(t, q, id)
	if j.State != Queued || j.Attempts != 0 || j.ErrKind != "" || j.ErrMsg != "" {
		t.Errorf("after requeue of failed: %+v", j)
	}
	// Requeue of a Waiting job keeps the count (the backoff continues).
	mustClaim(t, q, c.Now())
	if err := q.Retry(id, next, "retryable", "x"); err != nil {
		t.Fatal(err)
	}
	if err := q.Requeue(id); err != nil {
		t.Fatal(err)
	}
	if j = mustGet(t, q, id); j.State != Queued || j.Attempts != 1 || !j.NextAttempt.IsZero() {
		t.Errorf("after requeue of waiting: %+v", j)
	}
	// Due too: the engine's, when the server can be reached again.
	mustClaim(t, q, c.Now())
	if err := q.Retry(id, next.Add(time.Hour), "retryable", "refused"); err != nil {
		t.Fatal(err)
	}
	if err := q.Due(id); err != nil {
		t.Fatal(err)
	}
	if j = mustGet(t, q, id); j.State != Queued || j.Attempts != 2 || !j.NextAttempt.IsZero() || j.ErrMsg != "refused" {
		t.Errorf("after due of waiting: %+v", j)
	}
	checkIndexes(t, q)
}

func TestUpdate(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	id := mustEnqueue(t, q, job("t", "f"))[0]
	if err := q.Update(id, func(j *Job) error { j.Size = 99; j.State = Paused; return nil }); err != nil {
		t.Fatal(err)
	}
	if j := mustGet(t, q, id); j.Size != 99 || j.State != Paused {
		t.Errorf("after update: %+v", j)
	}
	checkIndexes(t, q)
	for name, fn := range map[string]func(*Job) error{
		"id":    func(j *Job) error { j.ID++; return nil },
		"key":   func(j *Job) error { j.RelPath = "other"; return nil },
		"state": func(j *Job) error { j.State = Done; return nil },
	} {
		if err := q.Update(id, fn); !errors.Is(err, ErrInvalid) {
			t.Errorf("changing %s: err = %v, want ErrInvalid", name, err)
		}
	}
	boom := errors.New("boom")
	if err := q.Update(id, func(j *Job) error { j.Size = 1; return boom }); !errors.Is(err, boom) {
		t.Errorf("fn error: %v", err)
	}
	if j := mustGet(t, q, id); j.Size != 99 {
		t.Errorf("failed update stored size %d", j.Size)
	}
	checkIndexes(t, q)
}

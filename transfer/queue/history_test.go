package queue

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestHistoryBound(t *testing.T) {
	c := newClock()
	q, path := openTest(t, Options{Now: c.Now, HistoryLimit: 5})
	var ids []JobID
	for i := range 12 {
		id := mustEnqueue(t, q, job("t", fmt.Sprint(i)))[0]
		ids = append(ids, id)
		c.Add(time.Second)
		if err := q.Finish(id, HistoryEntry{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	h, err := q.History(0)
	if err != nil || len(h) != 5 {
		t.Fatalf("history = %d entries, %v", len(h), err)
	}
	for i, e := range h {
		if want := ids[len(ids)-1-i]; e.JobID != want {
			t.Errorf("entry %d is job %d, want %d (newest first)", i, e.JobID, want)
		}
	}
	if h, err := q.History(2); err != nil || len(h) != 2 || h[0].JobID != ids[11] {
		t.Errorf("history(2) = %+v %v", h, err)
	}
	// A smaller limit after a restart trims on the next append.
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q, err = Open(path, Options{Now: c.Now, HistoryLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := q.Close(); err != nil {
			t.Error(err)
		}
	}()
	if _, err := q.Cancel(mustEnqueue(t, q, job("t", "x"))[0]); err != nil {
		t.Fatal(err)
	}
	if h, err := q.History(0); err != nil || len(h) != 2 || h[0].Outcome != Cancelled {
		t.Errorf("history after lower limit = %+v %v", h, err)
	}
}

// The history is trimmed historySlack entries at a time, not one per
// append (which dirtied its first pages in every finish's commit); what
// History and HistoryEach show is still exactly the newest limit entries
// after every append, and the file never holds more than limit+slack.
func TestHistoryTrimsInSteps(t *testing.T) {
	const limit = 64
	slack := historySlack(limit)
	if slack < 2 {
		t.Fatalf("slack %d: the test needs a slack of at least 2", slack)
	}
	q, _ := openTest(t, Options{HistoryLimit: limit})
	var ids []JobID
	stored := func() int {
		n := 0
		if err := q.view(func(tt *txn) error { n = tt.hist.Stats().KeyN; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	maxStored, trims := 0, 0
	for i := range limit + 3*slack {
		id := mustEnqueue(t, q, job("t", fmt.Sprint(i)))[0]
		ids = append(ids, id)
		if err := q.Finish(id, HistoryEntry{}, nil); err != nil {
			t.Fatal(err)
		}
		before := maxStored
		n := stored()
		if n < before {
			trims++
			if n != limit {
				t.Fatalf("after %d appends a trim left %d entries, want %d", i+1, n, limit)
			}
		}
		maxStored = n
		if n > limit+slack {
			t.Fatalf("after %d appends the file holds %d entries, want at most %d", i+1, n, limit+slack)
		}
		want := ids[max(0, len(ids)-limit):]
		h, err := q.History(0)
		if err != nil || len(h) != len(want) {
			t.Fatalf("after %d appends History(0) = %d entries, %v; want %d", i+1, len(h), err, len(want))
		}
		var each []JobID
		if err := q.HistoryEach(func(e HistoryEntry) bool { each = append(each, e.JobID); return true }); err != nil {
			t.Fatal(err)
		}
		for k, e := range h {
			if w := want[len(want)-1-k]; e.JobID != w || each[k] != w {
				t.Fatalf("after %d appends entry %d is job %d (HistoryEach %d), want %d", i+1, k, e.JobID, each[k], w)
			}
		}
		if len(each) != len(want) {
			t.Fatalf("after %d appends HistoryEach gave %d entries, want %d", i+1, len(each), len(want))
		}
	}
	if trims < 2 {
		t.Errorf("%d trims in %d appends past the limit, want one per %d", trims, 3*slack, slack+1)
	}
}

func TestFinishFillsHistory(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	in := job("t", "a.txt")
	in.RemoteDir = "up"
	id := mustEnqueue(t, q, in)[0]
	if err := q.SetWarning(id, "never settled"); err != nil {
		t.Fatal(err)
	}
	mustClaim(t, q, c.Now())
	fp := Fingerprint{Size: in.Size, ModTime: in.ModTime, RemoteID: "r", Uploaded: c.Now()}
	if err := q.Finish(id, HistoryEntry{RemotePath: "up/a(1).txt", Link: "https://x.test/1"}, &fp); err != nil {
		t.Fatal(err)
	}
	h, err := q.History(1)
	if err != nil || len(h) != 1 {
		t.Fatalf("history = %v %v", h, err)
	}
	want := HistoryEntry{
		JobID: id, Target: "t", Root: in.Root, RelPath: "a.txt", RemotePath: "up/a(1).txt", Link: "https://x.test/1",
		Size: in.Size, Outcome: Done, Warning: "never settled", Finished: c.Now(),
	}
	if h[0] != want {
		t.Errorf("entry =\n%+v\nwant\n%+v", h[0], want)
	}
	// The sent index is keyed by the path Ferry meant, not the server's rename.
	if got, ok, err := q.Sent("t", "up/a.txt"); err != nil || !ok || got.RemoteID != "r" {
		t.Errorf("sent = %+v %v %v", got, ok, err)
	}
	if err := q.Finish(id, HistoryEntry{}, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("second finish: %v", err)
	}
	id = mustEnqueue(t, q, in)[0]
	if err := q.Finish(id, HistoryEntry{Outcome: Queued}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("finish as queued: %v", err)
	}
	checkIndexes(t, q)
}

func TestSentAll(t *testing.T) {
	q, _ := openTest(t, Options{})
	// "ab" shares a prefix with "a": the NUL separator keeps them apart.
	for _, k := range []struct{ target, rel string }{{"a", "x"}, {"a", "d/y"}, {"ab", "z"}, {"b", "w"}} {
		id := mustEnqueue(t, q, job(k.target, k.rel))[0]
		if err := q.Finish(id, HistoryEntry{}, &Fingerprint{Size: int64(len(k.rel))}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err := q.SentAll("a", func(p string, fp Fingerprint) error {
		got = append(got, fmt.Sprintf("%s:%d", p, fp.Size))
		return nil
	})
	if err != nil || fmt.Sprint(got) != "[d/y:3 x:1]" {
		t.Errorf("sent all = %v %v", got, err)
	}
	stop := errors.New("stop")
	n := 0
	err = q.SentAll("a", func(string, Fingerprint) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("stopping walk: %d calls, %v", n, err)
	}
	putRaw(t, q, bucketSent, sentKey("a", "bad"), []byte{fingerprintV1})
	got = nil
	err = q.SentAll("a", func(p string, _ Fingerprint) error { got = append(got, p); return nil })
	if !errors.Is(err, ErrCorrupt) || fmt.Sprint(got) != "[d/y x]" {
		t.Errorf("walk over damage = %v %v", got, err)
	}
	if _, _, err := q.Sent("a", "bad"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("sent of damaged: %v", err)
	}
	if _, ok, err := q.Sent("a", "nothing"); err != nil || ok {
		t.Errorf("sent of unknown: %v %v", ok, err)
	}
}

func TestHistoryReportsDamage(t *testing.T) {
	q, _ := openTest(t, Options{})
	for _, rel := range []string{"a", "b", "c"} {
		if err := q.Finish(mustEnqueue(t, q, job("t", rel))[0], HistoryEntry{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	putRaw(t, q, bucketHistory, idKey(2), []byte{historyV1})
	h, err := q.History(0)
	if !errors.Is(err, ErrCorrupt) || len(h) != 2 || h[0].RelPath != "c" || h[1].RelPath != "a" {
		t.Errorf("history over damage = %+v %v", h, err)
	}
}

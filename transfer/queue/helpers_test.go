package queue

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// clock is a settable test clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// openTest opens a queue in a fresh temp dir and closes it at cleanup.
func openTest(t testing.TB, o Options) (*Queue, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "queue.db")
	q, err := Open(path, o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		// bbolt's Close is a no-op on a closed DB, so tests that close
		// (and reopen) the queue themselves are fine here.
		if err := q.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return q, path
}

func job(target, rel string) Job {
	return Job{
		Target: target, Origin: "watch:docs", Root: "/home/u/docs", RelPath: rel,
		Size: 1234, ModTime: time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC),
	}
}

func mustEnqueue(t testing.TB, q *Queue, jobs ...Job) []JobID {
	t.Helper()
	ids, err := q.Enqueue(jobs...)
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return ids
}

func mustGet(t testing.TB, q *Queue, id JobID) Job {
	t.Helper()
	j, err := q.Get(id)
	if err != nil {
		t.Fatalf("get %d: %v", id, err)
	}
	return j
}

func mustClaim(t testing.TB, q *Queue, now time.Time) Job {
	t.Helper()
	j, ok, err := q.Claim(now, nil)
	if err != nil || !ok {
		t.Fatalf("claim: ok=%v err=%v", ok, err)
	}
	return j
}

// checkIndexes verifies that every index and counter agrees with the job
// records, in both directions. It is the oracle behind the transition
// tests: a transition that forgets an index entry fails here.
func checkIndexes(t testing.TB, q *Queue) {
	t.Helper()
	err := q.view(func(tx *txn) error {
		counts := map[State]int64{}
		jobs := map[JobID]Job{}
		if err := tx.jobs.ForEach(func(k, v []byte) error {
			j, err := decodeJob(v)
			if err != nil {
				return err
			}
			jobs[j.ID] = j
			counts[j.State]++
			if got := tx.bykey.Get([]byte(j.Key())); !bytes.Equal(got, k) {
				t.Errorf("bykey of job %d = %x, want %x", j.ID, got, k)
			}
			if j.State != Running && j.Changed {
				t.Errorf("job %d is %s but marked changed", j.ID, j.State)
			}
			inReady := false
			if b := tx.ready.Bucket([]byte(j.Target)); b != nil {
				inReady = b.Get(k) != nil
			}
			inWaiting := tx.waiting.Get(waitKey(j.NextAttempt, j.ID)) != nil
			inRunning := tx.running.Get(k) != nil
			switch j.State {
			case Queued:
				if !inReady || inWaiting || inRunning {
					t.Errorf("queued job %d: ready=%v waiting=%v running=%v", j.ID, inReady, inWaiting, inRunning)
				}
			case Waiting:
				if inReady == inWaiting || inRunning {
					t.Errorf("waiting job %d: ready=%v waiting=%v running=%v", j.ID, inReady, inWaiting, inRunning)
				}
			case Running:
				if inReady || inWaiting || !inRunning {
					t.Errorf("running job %d: ready=%v waiting=%v running=%v", j.ID, inReady, inWaiting, inRunning)
				}
			default:
				if inReady || inWaiting || inRunning {
					t.Errorf("%s job %d: ready=%v waiting=%v running=%v", j.State, j.ID, inReady, inWaiting, inRunning)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, s := range []State{Queued, Running, Waiting, Failed, Paused} {
			if got := tx.count(s); got != counts[s] {
				t.Errorf("count %s = %d, records say %d", s, got, counts[s])
			}
		}
		// Reverse direction: no index entry without a matching job.
		n := 0
		if err := tx.bykey.ForEach(func(_, v []byte) error {
			n++
			id, _ := keyID(v)
			if _, ok := jobs[id]; !ok {
				t.Errorf("bykey points at missing job %d", id)
			}
			return nil
		}); err != nil {
			return err
		}
		if n != len(jobs) {
			t.Errorf("bykey has %d entries for %d jobs", n, len(jobs))
		}
		if err := tx.ready.ForEachBucket(func(name []byte) error {
			return tx.ready.Bucket(name).ForEach(func(k, _ []byte) error {
				id, _ := keyID(k)
				if j, ok := jobs[id]; !ok || (j.State != Queued && j.State != Waiting) || j.Target != string(name) {
					t.Errorf("ready/%s holds job %d (%+v)", name, id, j)
				}
				return nil
			})
		}); err != nil {
			return err
		}
		if err := tx.waiting.ForEach(func(k, _ []byte) error {
			id, _ := keyID(k[timeKeyLen:])
			if j, ok := jobs[id]; !ok || j.State != Waiting {
				t.Errorf("waiting holds job %d (%+v)", id, j)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.running.ForEach(func(k, _ []byte) error {
			id, _ := keyID(k)
			if j, ok := jobs[id]; !ok || j.State != Running {
				t.Errorf("running holds job %d (%+v)", id, j)
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.sessions.ForEach(func(k, _ []byte) error {
			id, _ := keyID(k)
			if _, ok := jobs[id]; !ok {
				t.Errorf("session of missing job %d", id)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatalf("check indexes: %v", err)
	}
}

// putRaw overwrites a stored value, to simulate damage on disk.
func putRaw(t testing.TB, q *Queue, bucket, key, value []byte) {
	t.Helper()
	err := q.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return errors.New("no bucket")
		}
		return b.Put(key, value)
	})
	if err != nil {
		t.Fatalf("put raw: %v", err)
	}
}

// fillSent records n sent files of target "t" in one transaction, with
// paths long enough to spread over many pages.
func fillSent(t testing.TB, q *Queue, n int) {
	t.Helper()
	err := q.update(func(tx *txn) error {
		fp := encodeFingerprint(Fingerprint{Size: 1, ModTime: time.Now(), SHA256: make([]byte, 32), RemoteID: "remote-id", Uploaded: time.Now()})
		for i := range n {
			if err := tx.sent.Put(sentKey("t", fmt.Sprintf("some/folder/file-%06d.bin", i)), fp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

package queue

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	berrors "go.etcd.io/bbolt/errors"
)

// Workers claim, save sessions after every "chunk" and finish, all at once,
// while another goroutine keeps enqueueing changes and cancelling: under
// -race this checks the queue's own locking, and afterwards every index
// must still agree with the records.
func TestConcurrentWorkers(t *testing.T) {
	c := newClock()
	q, _ := openTest(t, Options{Now: c.Now})
	const files = 200
	var batch []Job
	for i := range files {
		batch = append(batch, job(fmt.Sprintf("t%d", i%3), fmt.Sprint(i)))
	}
	mustEnqueue(t, q, batch...)

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		finished = map[JobID]bool{}
		errs     = make(chan error, 64)
	)
	for range 8 {
		wg.Go(func() {
			for range files { // bounded: each pass claims at most one job
				j, ok, err := q.Claim(c.Now(), nil)
				if err != nil {
					errs <- err
					return
				}
				if !ok {
					return
				}
				for chunk := range 3 {
					err := q.SaveSession(j.ID, Session{ChunkSize: 1, Acked: []int{chunk}})
					if errors.Is(err, ErrNotFound) {
						break // cancelled under us, as the engine would see it
					}
					if err != nil {
						errs <- err
						return
					}
				}
				err = q.Finish(j.ID, HistoryEntry{}, &Fingerprint{Size: j.Size})
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				finished[j.ID] = true
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			if _, err := q.Enqueue(job("t0", fmt.Sprint(i*3))); err != nil {
				errs <- err
				return
			}
			if _, err := q.Cancel(JobID(files - i)); err != nil && !errors.Is(err, ErrNotFound) {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkIndexes(t, q)
	// Everything left is a job re-enqueued after its worker claimed it.
	left := 0
	if err := q.Jobs(nil, func(j Job) bool { left++; return true }); err != nil {
		t.Fatal(err)
	}
	h, err := q.History(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) < files-left {
		t.Errorf("history has %d entries for %d files with %d left", len(h), files, left)
	}
	if n, err := q.Counts(); err != nil || n[Running] != 0 {
		t.Errorf("counts after all workers stopped = %v %v", n, err)
	}
}

// A full disk (here: bbolt's size cap) must come back as an error from the
// write, leave earlier data intact, and let the queue carry on once space
// is available again.
func TestWriteErrorIsReturned(t *testing.T) {
	c := newClock()
	q, path := openTest(t, Options{Now: c.Now})
	id := mustEnqueue(t, q, job("t", "keep"))[0]
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	q.db.MaxSize = int(info.Size())

	var batch []Job
	for i := range 20000 {
		batch = append(batch, job("t", fmt.Sprintf("dir/%06d-with-a-longish-name.txt", i)))
	}
	_, err = q.Enqueue(batch...)
	if !errors.Is(err, berrors.ErrMaxSizeReached) {
		t.Fatalf("enqueue past the size cap: err = %v, want ErrMaxSizeReached", err)
	}
	n := 0
	if err := q.Jobs(nil, func(Job) bool { n++; return true }); err != nil || n != 1 {
		t.Errorf("after the failed batch: %d jobs, %v", n, err)
	}
	if j := mustGet(t, q, id); j.RelPath != "keep" {
		t.Errorf("kept job = %+v", j)
	}

	q.db.MaxSize = 0
	if _, err := q.Enqueue(batch...); err != nil {
		t.Fatalf("enqueue after space came back: %v", err)
	}
	checkIndexes(t, q)
}

package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// uploadWindow is how many batches (enqueueBatch files each) `ferry
// upload` keeps queued ahead of the engine. Queuing a whole tree at once
// made the process's memory grow with the number of files (every job in
// memory, and in the queue file's mapped pages); with a window it stays
// flat, and the engine never runs dry: while it uploads the oldest batch,
// the next is already queued.
const uploadWindow = 2

// feedUploads queues set's files a batch at a time, each once the batch
// queued uploadWindow batches earlier has settled (engine.WaitSettled with
// attempts), telling watched of every job, and returns the ids queued, in
// order. It returns early with the error of a wait (ctx ended) or of the
// queue; what was queued until then stays queued.
func feedUploads(ctx context.Context, rt *engineRuntime, set *uploadSet, watched *watchedJobs, attempts int) ([]queue.JobID, error) {
	var ids []queue.JobID
	var ahead [][]queue.JobID // batches queued and maybe not settled, oldest first
	for start := 0; start < len(set.files); start += enqueueBatch {
		if len(ahead) == uploadWindow {
			if err := rt.engine.WaitSettled(ctx, attempts, ahead[0]...); err != nil {
				return ids, err
			}
			ahead = ahead[1:]
		}
		got, err := enqueueSet(rt, set, start, min(start+enqueueBatch, len(set.files)), watched)
		if err != nil {
			return ids, err
		}
		ids = append(ids, got...)
		ahead = append(ahead, got)
	}
	return ids, nil
}

// enqueueSet queues set.files[from:to] in batches (one transaction each)
// and returns their ids, in order, each once (a file given twice shares its
// job); watched, when not nil, learns each job and its size, and a job it
// already knows is not returned again.
func enqueueSet(rt *engineRuntime, set *uploadSet, from, to int, watched *watchedJobs) ([]queue.JobID, error) {
	ids := make([]queue.JobID, 0, to-from)
	if watched == nil {
		watched = newWatchedJobs(to-from, 0)
	}
	batch := make([]queue.Job, 0, min(enqueueBatch, to-from))
	for start := from; start < to; start += enqueueBatch {
		batch = batch[:0]
		for _, f := range set.files[start:min(start+enqueueBatch, to)] {
			batch = append(batch, set.job(f))
		}
		got, err := rt.engine.Enqueue(batch...)
		if err != nil {
			return nil, fmt.Errorf("queue %d files: %w", len(batch), err)
		}
		for i, id := range got {
			if watched.add(id, batch[i].Size) {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// watchedJobs is the set of jobs a view reports on, with their sizes, and
// the totals of the whole upload, known before its jobs are all queued.
// It is filled by the feeder while the view reads it; the view forgets
// each job once it counted it finished, so it holds the jobs in flight,
// not every file of the upload.
type watchedJobs struct {
	files int   // files the upload will queue
	bytes int64 // their total size

	mu    sync.Mutex
	sizes map[queue.JobID]int64
	known *idSet // every job added, for add's answer
}

func newWatchedJobs(files int, bytes int64) *watchedJobs {
	return &watchedJobs{files: files, bytes: bytes, sizes: map[queue.JobID]int64{}, known: newIDSet()}
}

// add makes job id one the view reports on, and reports whether it is new.
func (w *watchedJobs) add(id queue.JobID, size int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.known.add(id) {
		return false
	}
	w.sizes[id] = size
	return true
}

// size returns job id's size and whether the view reports on it.
func (w *watchedJobs) size(id queue.JobID) (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.sizes[id]
	return s, ok
}

// forget stops reporting on job id.
func (w *watchedJobs) forget(id queue.JobID) {
	w.mu.Lock()
	delete(w.sizes, id)
	w.mu.Unlock()
}

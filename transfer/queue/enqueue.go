package queue

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Enqueue adds jobs in one transaction (callers pass thousands at once; one
// fsync for all) and returns their ids in input order.
//
// Each job gets an ID, State Queued, Created and Updated; fields the caller
// set for those are ignored. Jobs coalesce by Key(): when a live job already
// holds the key (including one added earlier in the same batch) it is
// updated in place and its id returned:
//   - Size, ModTime, Root, LocalPath, Origin and Conflict take the new values, and
//     Warning too when the new job has one;
//   - Attempts goes to 0, ErrKind and ErrMsg are cleared;
//   - Queued, Waiting and Failed become Queued; Paused stays Paused;
//   - Running stays Running with Changed set (see Changed).
//
// A job given with ErrKind set is refused before any attempt (the watcher
// found a reason not to upload the file, such as two names that are equal
// in NFC): it is stored, or its live job becomes, Failed with that ErrKind
// and ErrMsg, so the user sees the reason like any failed job, and a later
// enqueue without ErrKind brings it back. A Running job only gets Changed
// (its worker starts over; the next change of the file refuses it again),
// and a Paused one stays Paused with the error recorded.
//
// A job with an empty Target, or a RelPath or RemoteDir that is absolute,
// unclean or escapes with "..", fails the whole batch with ErrInvalid and
// nothing is stored.
func (q *Queue) Enqueue(jobs ...Job) ([]JobID, error) {
	stored, err := q.EnqueueJobs(jobs...)
	if err != nil {
		return nil, err
	}
	ids := make([]JobID, len(stored))
	for i, j := range stored {
		ids[i] = j.ID
	}
	return ids, nil
}

// EnqueueJobs is Enqueue returning, for each input job in input order, the
// job as the transaction stored it: what Get would return right after the
// commit (until something else changes the job). The engine announces a
// scan's thousands of jobs from these instead of reading every record
// back, which cost a read transaction, a decode per job and the memory the
// queue file's pages take once they are read.
func (q *Queue) EnqueueJobs(jobs ...Job) ([]Job, error) {
	if len(jobs) == 0 {
		return nil, nil // no transaction, no fsync
	}
	for i, j := range jobs {
		if err := validate(j); err != nil {
			return nil, fmt.Errorf("enqueue job %d of %d: %w", i+1, len(jobs), err)
		}
	}
	// Fold duplicates inside the batch first: the last change of a file
	// wins, exactly as if the jobs had been enqueued one by one. Jobs are
	// kept in slices and found by index (a map of Jobs would allocate each
	// one separately: they are too large to sit in the map).
	var (
		uniq    = make([]Job, 0, len(jobs)) // one per key, first-seen order
		keys    = make([]string, 0, len(jobs))
		at      = make([]int, len(jobs)) // jobs[i] is folded into uniq[at[i]]
		index   = make(map[string]int, len(jobs))
		targets = map[string]struct{}{}
	)
	for i, j := range jobs {
		targets[j.Target] = struct{}{}
		k := j.Key()
		if u, ok := index[k]; ok {
			coalesce(&uniq[u], j)
			at[i] = u
			continue
		}
		j.State = Queued
		index[k] = len(uniq)
		at[i] = len(uniq)
		uniq = append(uniq, j)
		keys = append(keys, k)
	}
	stored := make([]Job, len(uniq))
	now := q.now()
	err := q.update(func(t *txn) error {
		// New ids only ever append, so pages may be packed fuller than
		// bbolt's default half, which is meant for random inserts.
		t.jobs.FillPercent = 0.9
		var fresh []int // indexes into uniq of the new jobs
		for u, k := range keys {
			j, created, err := t.enqueue(k, uniq[u], now)
			if err != nil {
				return err
			}
			stored[u] = j
			if created {
				fresh = append(fresh, u)
			}
		}
		// The same holds for each target's ready index, keyed by id too:
		// packed, a 100,000-file scan's queue file is 2 MB smaller. (A
		// bucket's fill is read when the commit splits its pages.)
		for tg := range targets {
			if b := t.ready.Bucket([]byte(tg)); b != nil {
				b.FillPercent = 0.9
			}
		}
		// bbolt splits nodes only at commit, so within one transaction a
		// leaf takes every new key and each put into its middle moves the
		// rest: random-order puts of 100,000 keys cost seconds. In key
		// order each put lands just after the previous one.
		slices.SortFunc(fresh, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
		for _, u := range fresh {
			if err := t.bykey.Put([]byte(keys[u]), idKey(stored[u].ID)); err != nil {
				return fmt.Errorf("index key of job %d: %w", stored[u].ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("enqueue: %w", err)
	}
	if q.release.enqueued(len(keys)) {
		// Looking up and indexing thousands of keys mapped pages from all
		// over the queue file: hand them back now rather than at the next
		// rate-limited release, or a scan enqueueing batch after batch
		// keeps most of the file resident (see maybeRelease).
		q.releaseMapped()
	}
	if len(stored) == len(jobs) {
		return stored, nil // no key twice: at[i] == i
	}
	out := make([]Job, len(jobs))
	for i, u := range at {
		out[i] = stored[u]
	}
	return out, nil
}

// releaseAfterJobs is how many jobs enqueued in batches (of at least
// releaseBatch distinct keys: a scan's, sync.DefaultBatchSize files) make
// EnqueueJobs release the queue file's mapped pages right after its
// commit; the single files of a burst are left to the rate-limited
// release. Every batch released its pages before: a 100,000-file first
// scan then spent 0.45 s of its 2 s of CPU mapping the same pages again
// (the lookups and the commit read the index paths after each release),
// and never releasing left 15 MiB more resident. One release per
// releaseAfterJobs keeps the scan under 60 MiB (see docs/bench).
const (
	releaseAfterJobs = 4096
	releaseBatch     = 64
)

// asStored returns j as a decode of its record gives it back: times in
// UTC to the nanosecond without a monotonic reading, and Changed only
// while Running (putJob clears it otherwise).
func asStored(j Job) Job {
	at := func(t time.Time) time.Time { return time.Unix(t.Unix(), int64(t.Nanosecond())).UTC() }
	j.ModTime, j.NextAttempt, j.Created, j.Updated = at(j.ModTime), at(j.NextAttempt), at(j.Created), at(j.Updated)
	if j.State != Running {
		j.Changed = false
	}
	return j
}

// enqueue stores one (batch-merged) job under key: coalesced into the live
// job holding the key, or new (also when the key's entry or job is damaged),
// and returns it as stored (asStored). For a new job it reports created and
// leaves the bykey entry to the caller, which adds them in key order.
func (t *txn) enqueue(key string, in Job, now time.Time) (Job, bool, error) {
	if v := t.bykey.Get([]byte(key)); len(v) == 8 {
		id, _ := keyID(v)
		j, err := t.getJob(id)
		switch {
		case err == nil:
			prev := j
			coalesce(&j, in)
			j.Updated = now
			return asStored(j), false, t.putJob(&prev, j)
		case !isCorruptOrMissing(err):
			return Job{}, false, err
		}
		// The key's job cannot be read: a new job takes the key over, so
		// one damaged record cannot make every batch holding its file fail.
		// The damaged record stays for Jobs to report and Purge to remove.
	}
	seq, err := t.jobs.NextSequence()
	if err != nil {
		return Job{}, false, fmt.Errorf("allocate job id: %w", err)
	}
	j := Job{
		ID:        JobID(seq),
		Target:    in.Target,
		Origin:    in.Origin,
		Root:      in.Root,
		RelPath:   in.RelPath,
		LocalPath: in.LocalPath,
		RemoteDir: in.RemoteDir,
		Conflict:  in.Conflict,
		MoveFrom:  in.MoveFrom,
		MoveDir:   in.MoveDir,
		Size:      in.Size,
		ModTime:   in.ModTime.UTC(),
		Warning:   in.Warning,
		State:     Queued,
		Created:   now,
		Updated:   now,
	}
	if in.ErrKind != "" {
		j.State, j.ErrKind, j.ErrMsg = Failed, in.ErrKind, in.ErrMsg
	}
	return asStored(j), true, t.putJob(nil, j)
}

// coalesce folds a new change of the same file into the live job j.
func coalesce(j *Job, in Job) {
	// A running upload only needs to start over when the file is a new
	// version; the same size and mtime again (a rescan, a second event for
	// one write) must not make the engine upload it twice.
	newVersion := j.Size != in.Size || !j.ModTime.Equal(in.ModTime)
	j.Size, j.ModTime = in.Size, in.ModTime
	j.Root, j.Origin, j.Conflict, j.LocalPath = in.Root, in.Origin, in.Conflict, in.LocalPath
	if in.Warning != "" {
		j.Warning = in.Warning
	}
	coalesceMove(j, in, newVersion)
	j.Attempts, j.ErrKind, j.ErrMsg = 0, "", ""
	if in.ErrKind != "" {
		switch j.State {
		case Queued, Waiting, Failed:
			j.State = Failed
			j.NextAttempt = time.Time{}
			j.ErrKind, j.ErrMsg = in.ErrKind, in.ErrMsg
		case Paused:
			j.ErrKind, j.ErrMsg = in.ErrKind, in.ErrMsg
		case Running:
			j.Changed = true
		}
		return
	}
	switch j.State {
	case Queued, Waiting, Failed:
		j.State = Queued
		j.NextAttempt = time.Time{}
	case Running:
		j.Changed = j.Changed || newVersion
	}
}

// validate refuses jobs whose paths could escape the root or the target's
// folder once joined, and jobs that cannot be keyed.
func validate(j Job) error {
	if j.Target == "" {
		return fmt.Errorf("%w: empty target", ErrInvalid)
	}
	if strings.ContainsRune(j.Target, 0) {
		return fmt.Errorf("%w: target contains NUL", ErrInvalid)
	}
	if j.RelPath == "" {
		return fmt.Errorf("%w: empty relative path", ErrInvalid)
	}
	if err := checkRel("relative path", j.RelPath); err != nil {
		return err
	}
	if j.LocalPath != "" {
		rel, err := filepath.Rel(j.Root, j.LocalPath)
		if err != nil || !filepath.IsAbs(j.LocalPath) || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%w: local path %q is not below the root %q", ErrInvalid, j.LocalPath, j.Root)
		}
	}
	if j.MoveDir && j.MoveFrom == "" {
		return fmt.Errorf("%w: a folder move without its old path", ErrInvalid)
	}
	if j.MoveFrom != "" {
		if err := checkRel("old path", j.MoveFrom); err != nil {
			return err
		}
	}
	if j.RemoteDir != "" {
		return checkRel("remote folder", j.RemoteDir)
	}
	return nil
}

func checkRel(what, p string) error {
	switch {
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("%w: %s %q contains NUL", ErrInvalid, what, p)
	case path.IsAbs(p):
		return fmt.Errorf("%w: %s %q is absolute", ErrInvalid, what, p)
	case path.Clean(p) != p:
		return fmt.Errorf("%w: %s %q is not clean", ErrInvalid, what, p)
	case p == ".":
		return fmt.Errorf("%w: %s is \".\"", ErrInvalid, what)
	case p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("%w: %s %q escapes its root", ErrInvalid, what, p)
	}
	return nil
}

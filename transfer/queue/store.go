package queue

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// txn binds the buckets of one bbolt transaction. Every change to a job goes
// through putJob or deleteJob, which keep the indexes and counters in step
// with the record: that single path is what makes the indexes trustworthy.
type txn struct {
	tx                                  *bolt.Tx
	jobs, bykey, sessions, sent, hist   *bolt.Bucket
	ready, waiting, running, counts, st *bolt.Bucket
	strs                                strCache // getJob's shared strings
}

// bucketSet names buckets of the schema, for a read that binds only the
// ones it uses (bindOnly).
type bucketSet uint16

const (
	useJobs bucketSet = 1 << iota
	useByKey
	useSessions
	useSent
	useHist
	useReady
	useWaiting
	useRunning
	useCounts
	useSettings

	useAll = useJobs | useByKey | useSessions | useSent | useHist | useReady | useWaiting | useRunning | useCounts | useSettings
)

// bind binds every bucket of tx; a missing one is ErrCorrupt.
func bind(tx *bolt.Tx) (*txn, error) { return bindOnly(tx, useAll) }

// bindOnly binds the buckets in set and leaves the others nil: opening a
// bucket allocates its handle, and a read of one record per file (Get,
// LoadSession, Sent) opened all ten, most of its cost. A missing bucket
// of set is ErrCorrupt, as in bind. Write transactions bind them all
// (putJob and deleteJob keep every index in step).
func bindOnly(tx *bolt.Tx, set bucketSet) (*txn, error) {
	t := &txn{tx: tx}
	for _, b := range [...]struct {
		bit  bucketSet
		name []byte
		dst  **bolt.Bucket
	}{
		{useJobs, bucketJobs, &t.jobs},
		{useByKey, bucketByKey, &t.bykey},
		{useSessions, bucketSessions, &t.sessions},
		{useSent, bucketSent, &t.sent},
		{useHist, bucketHistory, &t.hist},
		{useReady, bucketReady, &t.ready},
		{useWaiting, bucketWaiting, &t.waiting},
		{useRunning, bucketRunning, &t.running},
		{useCounts, bucketCounts, &t.counts},
		{useSettings, bucketSettings, &t.st},
	} {
		if set&b.bit == 0 {
			continue
		}
		if *b.dst = tx.Bucket(b.name); *b.dst == nil {
			return nil, fmt.Errorf("open buckets: %w: a bucket is missing", ErrCorrupt)
		}
	}
	return t, nil
}

func idKey(id JobID) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(id)) }

func keyID(k []byte) (JobID, bool) {
	if len(k) != 8 {
		return 0, false
	}
	return JobID(binary.BigEndian.Uint64(k)), true
}

// timeKey orders instants bytewise: seconds with the sign bit flipped, then
// nanoseconds. Unlike UnixNano it covers every time.Time, zero included.
func timeKey(t time.Time) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 20), uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

const timeKeyLen = 12

func keyTime(k []byte) time.Time {
	sec := int64(binary.BigEndian.Uint64(k[:8]) ^ (1 << 63))
	return time.Unix(sec, int64(binary.BigEndian.Uint32(k[8:12]))).UTC()
}

// waitKey sorts Waiting jobs by NextAttempt, then id.
func waitKey(t time.Time, id JobID) []byte {
	return binary.BigEndian.AppendUint64(timeKey(t), uint64(id))
}

// getJob returns the job, an error wrapping ErrNotFound, or a
// *CorruptJobError.
func (t *txn) getJob(id JobID) (Job, error) {
	v := t.jobs.Get(idKey(id))
	if v == nil {
		return Job{}, fmt.Errorf("job %d: %w", id, ErrNotFound)
	}
	j, err := decodeJobShared(v, &t.strs)
	if err == nil && j.ID != id {
		err = fmt.Errorf("%w: record holds id %d", ErrCorrupt, j.ID)
	}
	if err != nil {
		return Job{}, &CorruptJobError{ID: id, Err: err}
	}
	return j, nil
}

// putJob stores j, replacing prev (nil for a new job), and moves its index
// entries and state counters accordingly.
func (t *txn) putJob(prev *Job, j Job) error {
	if j.State != Running {
		// Changed only means something to the worker running the job.
		j.Changed = false
	}
	if prev != nil {
		if err := t.unindex(*prev); err != nil {
			return err
		}
	}
	if err := t.jobs.Put(idKey(j.ID), encodeJob(j)); err != nil {
		return fmt.Errorf("store job %d: %w", j.ID, err)
	}
	return t.index(j)
}

// deleteJob removes j with its key, session, index entries and count.
func (t *txn) deleteJob(j Job) error {
	if err := t.unindex(j); err != nil {
		return err
	}
	k := idKey(j.ID)
	if err := t.jobs.Delete(k); err != nil {
		return fmt.Errorf("delete job %d: %w", j.ID, err)
	}
	if err := t.sessions.Delete(k); err != nil {
		return fmt.Errorf("delete session %d: %w", j.ID, err)
	}
	// Only drop the key if it still points here, so a damaged index can
	// never make us unlink another job's key.
	key := []byte(j.Key())
	if bytes.Equal(t.bykey.Get(key), k) {
		if err := t.bykey.Delete(key); err != nil {
			return fmt.Errorf("delete key of job %d: %w", j.ID, err)
		}
	}
	return nil
}

func (t *txn) index(j Job) error {
	k := idKey(j.ID)
	var err error
	switch j.State {
	case Queued:
		var b *bolt.Bucket
		if b, err = t.ready.CreateBucketIfNotExists([]byte(j.Target)); err == nil {
			err = b.Put(k, []byte{})
		}
	case Waiting:
		err = t.waiting.Put(waitKey(j.NextAttempt, j.ID), []byte(j.Target))
	case Running:
		err = t.running.Put(k, []byte{})
	}
	if err == nil {
		err = t.addCount(j.State, 1)
	}
	if err != nil {
		return fmt.Errorf("index job %d: %w", j.ID, err)
	}
	return nil
}

// unindex removes every index entry j's state may own. A Waiting job lives
// in waiting until Claim finds it due and promotes it to ready, so both
// places are cleared; deleting an absent key is a no-op in bbolt.
func (t *txn) unindex(j Job) error {
	k := idKey(j.ID)
	var err error
	switch j.State {
	case Queued, Waiting:
		if b := t.ready.Bucket([]byte(j.Target)); b != nil {
			err = b.Delete(k)
		}
		if err == nil && j.State == Waiting {
			err = t.waiting.Delete(waitKey(j.NextAttempt, j.ID))
		}
	case Running:
		err = t.running.Delete(k)
	}
	if err == nil {
		err = t.addCount(j.State, -1)
	}
	if err != nil {
		return fmt.Errorf("unindex job %d: %w", j.ID, err)
	}
	return nil
}

func (t *txn) count(s State) int64 {
	v := t.counts.Get([]byte(s))
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func (t *txn) addCount(s State, delta int64) error {
	n := t.count(s) + delta
	// Counters are derived data. They only go below zero if a record was
	// changed outside putJob/deleteJob; clamping keeps the queue usable and
	// the next increments correct rather than blocking every transition.
	n = max(n, 0)
	return t.counts.Put([]byte(s), binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// isCorruptOrMissing reports errors that mean an index entry points at a
// record that cannot be used.
func isCorruptOrMissing(err error) bool {
	return errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotFound)
}

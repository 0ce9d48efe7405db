package queue

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Purge removes whatever is stored under id, even a record that cannot be
// decoded (the UI's "remove damaged entry" for a *CorruptJobError), with
// its session, key and every index entry pointing at it; no history entry
// is written. Because a damaged record's state is unknown, Purge recounts
// the states from the remaining records: it reads every job, so it is a
// repair, not an everyday operation. Purging an absent id is a no-op.
func (q *Queue) Purge(id JobID) error {
	err := q.update(func(t *txn) error {
		k := idKey(id)
		for _, del := range []func() error{
			func() error { return t.jobs.Delete(k) },
			func() error { return t.sessions.Delete(k) },
			func() error { return t.running.Delete(k) },
			func() error {
				return t.ready.ForEachBucket(func(name []byte) error { return t.ready.Bucket(name).Delete(k) })
			},
			func() error {
				return deleteWhere(t.waiting, func(key, _ []byte) bool { return bytes.HasSuffix(key, k) })
			},
			func() error { return deleteWhere(t.bykey, func(_, v []byte) bool { return bytes.Equal(v, k) }) },
		} {
			if err := del(); err != nil {
				return err
			}
		}
		return t.recount()
	})
	if err != nil {
		return fmt.Errorf("purge job %d: %w", id, err)
	}
	return nil
}

// deleteWhere deletes the entries of b for which match is true. Keys are
// collected first: deleting under a live cursor can skip entries.
func deleteWhere(b *bolt.Bucket, match func(k, v []byte) bool) error {
	var keys [][]byte
	if err := b.ForEach(func(k, v []byte) error {
		if match(k, v) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// recount rebuilds the state counters from the job records; undecodable
// records count in no state.
func (t *txn) recount() error {
	counts := map[State]uint64{}
	if err := t.jobs.ForEach(func(_, v []byte) error {
		if j, err := decodeJob(v); err == nil {
			counts[j.State]++
		}
		return nil
	}); err != nil {
		return fmt.Errorf("recount: %w", err)
	}
	for _, s := range []State{Queued, Running, Waiting, Failed, Paused} {
		if err := t.counts.Put([]byte(s), binary.BigEndian.AppendUint64(nil, counts[s])); err != nil {
			return fmt.Errorf("recount: %w", err)
		}
	}
	return nil
}

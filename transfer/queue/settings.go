package queue

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Settings that must survive a restart live next to the jobs, so "pause
// all" and a learned chunk size are as durable as the queue itself.

var keyPausedUntil = []byte("paused-until")

func chunkKey(target string) []byte { return []byte("chunk-size\x00" + target) }

// SetPausedUntil persists the global pause: zero clears it, a far-future
// time means paused until resumed.
func (q *Queue) SetPausedUntil(t time.Time) error {
	err := q.update(func(tx *txn) error {
		if t.IsZero() {
			return tx.st.Delete(keyPausedUntil)
		}
		e := encoder{}
		e.time(t)
		return tx.st.Put(keyPausedUntil, e.buf)
	})
	if err != nil {
		return fmt.Errorf("set paused until: %w", err)
	}
	return nil
}

// PausedUntil returns the persisted global pause, zero when not paused. The
// caller compares it with the clock; an expired time is not cleared here.
func (q *Queue) PausedUntil() (time.Time, error) {
	var at time.Time
	err := q.viewOnly(useSettings, func(tx *txn) error {
		var err error
		at, err = tx.pausedUntil()
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("paused until: %w", err)
	}
	return at, nil
}

// pausedUntil is PausedUntil inside transaction tx.
func (tx *txn) pausedUntil() (time.Time, error) {
	v := tx.st.Get(keyPausedUntil)
	if v == nil {
		return time.Time{}, nil
	}
	d := decoder{buf: v, at: "paused until"}
	at := d.time()
	return at, d.end()
}

// SetTargetChunkSize remembers the chunk size to use for target (files.ro
// steps it down after a 413); n <= 0 forgets it.
func (q *Queue) SetTargetChunkSize(target string, n int64) error {
	err := q.update(func(tx *txn) error {
		if n <= 0 {
			return tx.st.Delete(chunkKey(target))
		}
		return tx.st.Put(chunkKey(target), binary.BigEndian.AppendUint64(nil, uint64(n)))
	})
	if err != nil {
		return fmt.Errorf("set chunk size of %s: %w", target, err)
	}
	return nil
}

// TargetChunkSize returns the remembered chunk size for target and true,
// or false when none is stored.
func (q *Queue) TargetChunkSize(target string) (int64, bool, error) {
	var (
		n  int64
		ok bool
	)
	err := q.viewOnly(useSettings, func(tx *txn) error {
		var err error
		n, ok, err = tx.chunkSize(target)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("chunk size of %s: %w", target, err)
	}
	return n, ok, nil
}

// chunkSize is TargetChunkSize's read inside t.
func (t *txn) chunkSize(target string) (int64, bool, error) {
	v := t.st.Get(chunkKey(target))
	if v == nil {
		return 0, false, nil
	}
	if len(v) != 8 || int64(binary.BigEndian.Uint64(v)) <= 0 {
		return 0, false, fmt.Errorf("%w: chunk size record %x", ErrCorrupt, v)
	}
	return int64(binary.BigEndian.Uint64(v)), true, nil
}

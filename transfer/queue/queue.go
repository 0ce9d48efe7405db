package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Options tunes Open. The zero value is usable.
type Options struct {
	// Timeout bounds the wait for the file lock; default 1s. Past it Open
	// fails with ErrLocked instead of hanging behind another instance.
	Timeout time.Duration
	// HistoryLimit bounds the history log; default 10000 entries. The
	// file may hold up to a 32nd more, trimmed in one step (see
	// appendHistory); History and HistoryEach show only the newest
	// HistoryLimit.
	HistoryLimit int
	// Now is the clock for Created, Updated and history times; default
	// time.Now. Claim and NextWake take the time from the caller instead.
	Now func() time.Time
	// GroupLinger is how long a write nobody waits for yet (Picker.Behind)
	// may wait for other writes to share its commit; default 8ms, negative
	// for none. See groupCommit.
	GroupLinger time.Duration
}

const (
	defaultTimeout      = time.Second
	defaultHistoryLimit = 10000
)

// Queue is the persistent transfer queue. All methods are safe for
// concurrent use; each call is one bbolt transaction unless it says
// otherwise, so a crash leaves either all of a call's effect or none.
type Queue struct {
	db    *bolt.DB
	path  string
	limit int
	now   func() time.Time
	// damage is what Open found wrong with the file; nil when sound.
	damage *Damage
	// grp shares commits among concurrent per-file writes (see group).
	grp groupCommit
	// sentChanges is SentChanges.
	sentChanges atomic.Uint64
	// release hands back the file's mapped pages now and then (release.go).
	release mappedRelease
	// reads and commits count transactions, for Transactions.
	reads, commits atomic.Int64
}

// Transactions reports how many read transactions and write transactions
// (each a commit when it succeeds) the queue has run since Open, so tests
// and benchmarks can bound them per file.
func (q *Queue) Transactions() (reads, commits int64) {
	return q.reads.Load(), q.commits.Load() + q.grp.commits.Load()
}

// Open opens or creates the queue file at path (mode 0600, parent folders
// 0700), upgrades its schema, and puts every job left Running by a crash
// back to Queued with its session kept.
//
// A damaged file is moved aside and replaced; see Damage and Queue.Damage.
//
// It fails with an error wrapping ErrLocked when another process holds the
// file past o.Timeout, ErrSchema when a newer Ferry wrote it, and ErrCorrupt
// when the schema record is damaged.
func Open(path string, o Options) (*Queue, error) {
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.HistoryLimit <= 0 {
		o.HistoryLimit = defaultHistoryLimit
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.GroupLinger == 0:
		o.GroupLinger = defaultGroupLinger
	case o.GroupLinger < 0:
		o.GroupLinger = 0
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}
	db, err := openBolt(path, o)
	var damaged *errDamaged
	var damage *Damage
	if errors.As(err, &damaged) {
		// Never start over in silence: keep the damaged file, say so, and
		// carry over what can be read (see Damage).
		to, merr := setAside(path, o.Now())
		if merr != nil {
			return nil, fmt.Errorf("open queue %s: the file is damaged (%s) and %w", path, damaged.reason, merr)
		}
		damage = &Damage{Reason: damaged.reason, MovedTo: to}
		db, err = openBolt(path, o)
	}
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err) // err names the path
	}
	q := &Queue{db: db, path: path, limit: o.HistoryLimit, now: o.Now}
	q.grp.linger, q.grp.nudge = o.GroupLinger, make(chan struct{}, 1)
	if err := db.Update(q.setup); err != nil {
		return nil, errors.Join(fmt.Errorf("open queue %s: %w", path, err), db.Close())
	}
	if damage != nil {
		q.salvage(damage.MovedTo, damage)
		q.damage = damage
	}
	return q, nil
}

// setup migrates and recovers in one transaction.
func (q *Queue) setup(tx *bolt.Tx) error {
	if err := migrate(tx, migrations); err != nil {
		return err
	}
	t, err := bind(tx)
	if err != nil {
		return err
	}
	return t.recoverRunning(q.now())
}

// recoverRunning puts jobs a dead process left Running back to Queued,
// marked Interrupted. Their sessions stay, so the next worker resumes
// where the last acknowledged chunk left off.
func (t *txn) recoverRunning(now time.Time) error {
	var ids []JobID
	err := t.running.ForEach(func(k, _ []byte) error {
		id, ok := keyID(k)
		if !ok {
			return fmt.Errorf("recover running jobs: %w: bad key %x", ErrCorrupt, k)
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		j, err := t.getJob(id)
		if isCorruptOrMissing(err) {
			// A dangling entry must not stop the queue from opening; the
			// record itself (if any) is reported by Get and Jobs.
			if err := t.running.Delete(idKey(id)); err != nil {
				return fmt.Errorf("recover job %d: %w", id, err)
			}
			if err := t.addCount(Running, -1); err != nil {
				return fmt.Errorf("recover job %d: %w", id, err)
			}
			continue
		}
		if err != nil {
			return err
		}
		prev := j
		j.State = Queued
		j.Interrupted = true
		j.Updated = now
		if err := t.putJob(&prev, j); err != nil {
			return fmt.Errorf("recover job %d: %w", id, err)
		}
	}
	return nil
}

// Close releases the file and its lock. Calls after Close fail.
func (q *Queue) Close() error {
	if err := q.db.Close(); err != nil {
		return fmt.Errorf("close queue %s: %w", q.path, err)
	}
	return nil
}

// update runs fn in a write transaction with the buckets bound.
func (q *Queue) update(fn func(t *txn) error) error {
	defer q.maybeRelease()
	q.commits.Add(1)
	return q.db.Update(func(tx *bolt.Tx) error {
		t, err := bind(tx)
		if err != nil {
			return err
		}
		return fn(t)
	})
}

// view runs fn in a read transaction with the buckets bound.
func (q *Queue) view(fn func(t *txn) error) error { return q.viewOnly(useAll, fn) }

// viewOnly is view with only the buckets in set bound (bindOnly): for the
// reads made once per file, which use one or two.
func (q *Queue) viewOnly(set bucketSet, fn func(t *txn) error) error {
	q.reads.Add(1)
	return q.db.View(func(tx *bolt.Tx) error {
		t, err := bindOnly(tx, set)
		if err != nil {
			return err
		}
		return fn(t)
	})
}

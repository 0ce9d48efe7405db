package queue

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Damage says what Open found wrong with the queue file and what it did.
// A damaged file (empty, truncated, not a queue at all, or failing bbolt's
// consistency check) is never taken for a new, empty queue in silence:
// Open moves it aside, starts a new file, copies over what can still be
// read (the sent index and the live jobs), and Queue.Damage reports it.
type Damage struct {
	Reason   string // what was wrong, in words
	MovedTo  string // where the damaged file is now kept
	SentKept int    // entries of the sent index copied into the new file
	JobsKept int    // live jobs copied into the new file
	// SentLost is "" when the whole sent index was copied, else "all" or
	// "part": files it no longer lists are uploaded again.
	SentLost string
}

// Message is the line to show and log: what happened, what was kept, and
// what that means for the next scans.
func (d Damage) Message() string {
	msg := fmt.Sprintf("the transfer queue was damaged (%s); it was moved to %s and a new queue was started, "+
		"keeping %d records of files already uploaded and %d queued files", d.Reason, d.MovedTo, d.SentKept, d.JobsKept)
	switch d.SentLost {
	case "all":
		msg += ". The record of what was already uploaded is lost: every file in the watched folders will be checked again " +
			"and uploaded again, and on targets that keep same-name files this stores second copies"
	case "part":
		msg += ". Part of the record of what was already uploaded is lost: files it no longer lists will be checked again " +
			"and uploaded again, and on targets that keep same-name files this stores second copies"
	}
	return msg
}

// Damage returns what Open found wrong with the file, ok false when the
// file was sound (or new).
func (q *Queue) Damage() (Damage, bool) {
	if q.damage == nil {
		return Damage{}, false
	}
	return *q.damage, true
}

// errDamaged wraps the reason a file is not a usable queue.
type errDamaged struct{ reason string }

func (e *errDamaged) Error() string { return e.reason }

// openBolt opens path and checks it: an existing file must not be empty,
// must hold every page its meta page counts, and must pass bbolt's
// consistency check. A damaged file returns *errDamaged (and is closed).
func openBolt(path string, o Options) (*bolt.DB, error) {
	if info, err := os.Stat(path); err == nil && info.Size() == 0 {
		// bbolt would take an empty file for a new database; a queue file
		// once written is never empty, so it was truncated (a full disk,
		// a crash of the file system, a copy gone wrong).
		return nil, &errDamaged{"the file is empty (0 bytes)"}
	}
	reason, rebuilt := truncated(path)
	if reason != "" {
		return nil, &errDamaged{reason}
	}
	if rebuilt {
		reason, err := unreadablePage(path, o.Timeout)
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("another Ferry instance is using %s: %w (%w)", path, ErrLocked, err)
		}
		if reason != "" {
			return nil, &errDamaged{reason}
		}
	}
	var db *bolt.DB
	err := guard(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, boltOptions(o))
		return err
	})
	var fault *faultError
	switch {
	case errors.As(err, &fault):
		// bbolt panics on some damaged pages while opening. The half-open
		// handle cannot be closed safely and keeps its descriptor until
		// the process ends; the file is moved aside all the same.
		return nil, &errDamaged{"it is not a readable queue file: " + fault.Error()}
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("another Ferry instance is using %s: %w (%w)", path, ErrLocked, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, &errDamaged{"it is not a readable queue file: " + err.Error()}
	case err != nil:
		if info, serr := os.Stat(path); serr == nil && info.Mode().IsRegular() && info.Size() < 1<<16 {
			// bbolt refuses a file shorter than two pages with a plain
			// error ("file size too small").
			return nil, &errDamaged{"it is not a readable queue file: " + err.Error()}
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if rebuilt {
		// Open rebuilt the freelist by walking every bucket's pages with
		// bbolt's own check (reachable pages, references, key order; an
		// error there is a panic guard caught above), and a freelist
		// derived from the reachable pages cannot disagree with them:
		// tx.Check would walk the same pages again. The walk mapped every
		// page of the file: hand them back (see releaseTx).
		_ = db.View(func(tx *bolt.Tx) error { releaseTx(tx); return nil })
		return db, nil
	}
	if reason := checkBolt(db, path); reason != "" {
		return nil, errors.Join(&errDamaged{reason}, ignoreClose(db))
	}
	return db, nil
}

// boltOptions is how the queue opens its file. The freelist is not written
// with each commit (NoFreelistSync, etcd's default): a commit then writes
// one page fewer, and neither encodes nor sorts every free page id, which
// in a queue that once held a big scan (5,332 free pages after 100,000
// jobs drained) was a 45 KB write and a third of each commit's CPU. Open
// rebuilds the list by walking the file's pages instead (about 20 ms of
// CPU for a 48 MB queue of 100,000 jobs and 100,000 sent records). A file
// written either way opens either way: bbolt rebuilds a missing freelist
// and drops a stored one at the next commit (an older Ferry writes it
// again). The freelist is derived data: crash safety is bbolt's.
func boltOptions(o Options) *bolt.Options {
	return &bolt.Options{Timeout: o.Timeout, FreelistType: bolt.FreelistMapType, NoFreelistSync: true}
}

// unreadablePage reads every page reachable from the file's meta, under
// guard, and returns why one is unreadable ("" when all are, or when the
// file cannot be opened read-only: bbolt's own Open then judges; the error
// is that of the read-only open, ErrTimeout when another process holds
// the file). bbolt
// rebuilds a freelist the file does not store at Open by walking the pages
// on a goroutine of its own, where a damaged page panics beyond any
// recover and ends the process; this walk finds such a page first, on
// this goroutine, so the file is set aside instead (see Damage).
func unreadablePage(path string, timeout time.Duration) (string, error) {
	var db *bolt.DB
	err := guard(func() error {
		var err error
		db, err = bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: timeout})
		return err
	})
	var fault *faultError
	if errors.As(err, &fault) {
		return "it is not a readable queue file: " + fault.Error(), nil
	}
	if err != nil {
		return "", err
	}
	defer ignoreClose(db) // read-only; closing unmaps what the walk read
	err = guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walkBucket(b) })
		})
	})
	if errors.As(err, &fault) {
		return "it failed the consistency check: " + fault.Error(), nil
	}
	return "", nil
}

// walkBucket visits every key of b and of its nested buckets, so every
// branch and leaf page of them is read.
func walkBucket(b *bolt.Bucket) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil {
			continue
		}
		if sub := b.Bucket(k); sub != nil {
			if err := walkBucket(sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// faultError is a panic or memory fault inside bbolt, caught by guard.
type faultError struct{ v any }

func (e *faultError) Error() string { return fmt.Sprint(e.v) }

// guard runs fn, turning a panic or a fault on a mapped page past the end
// of a truncated file (SIGBUS, made a panic by SetPanicOnFault) into an
// error.
func guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &faultError{r}
		}
	}()
	return fn()
}

// truncated reads the file's two bbolt meta pages and returns why the file
// is shorter than the newer valid one says it is ("" when it is not, or
// when the metas cannot be read: bbolt then judges), and whether that meta
// has no freelist stored (bbolt's Open then rebuilds it: see boltOptions).
// Reading a page past the end of the mapped file would fault, so this
// comes before bbolt.
func truncated(path string) (reason string, noFreelist bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close() // read-only
	info, err := f.Stat()
	if err != nil {
		return "", false
	}
	const magic = 0xED0CDAED
	// Page header 16 bytes; meta: magic, version, pageSize, flags (4 each),
	// root bucket (16), freelist (8), pgid (8), txid (8).
	const noFreelistID = 1<<64 - 1
	read := func(off int64) (pageSize, pgid, txid uint64, noFreelist, ok bool) {
		b := make([]byte, 80)
		if _, err := f.ReadAt(b, off); err != nil {
			return 0, 0, 0, false, false
		}
		le := func(o, n int) uint64 {
			var v uint64
			for i := n - 1; i >= 0; i-- {
				v = v<<8 | uint64(b[o+i])
			}
			return v
		}
		if le(16, 4) != magic {
			return 0, 0, 0, false, false
		}
		return le(24, 4), le(56, 8), le(64, 8), le(48, 8) == noFreelistID, true
	}
	ps0, pg0, tx0, nf0, ok0 := read(0)
	if !ok0 || ps0 < 512 || ps0 > 1<<20 {
		return "", false
	}
	ps, pg := ps0, pg0
	// Whichever meta bbolt takes, it must store no freelist.
	noFreelist = nf0
	if ps1, pg1, tx1, nf1, ok1 := read(int64(ps0)); ok1 && ps1 == ps0 {
		noFreelist = nf0 && nf1
		if tx1 > tx0 {
			pg = pg1
		}
	}
	if need := ps * pg; uint64(info.Size()) < need {
		return fmt.Sprintf("the file is truncated: %d bytes of %d", info.Size(), need), false
	}
	return "", noFreelist
}

func ignoreClose(db *bolt.DB) error { _ = db.Close(); return nil } // the file is given up anyway

// checkBolt returns why an opened file is damaged, "" when it is sound.
func checkBolt(db *bolt.DB, path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return "" // the open itself succeeded; let the first real read tell
	}
	var reason string
	err = db.View(func(tx *bolt.Tx) error {
		if info.Size() < tx.Size() {
			// Reading a page past the end of a mapped file kills the
			// process (SIGBUS): never let bbolt's check touch one.
			reason = fmt.Sprintf("the file is truncated: %d bytes of %d", info.Size(), tx.Size())
			return nil
		}
		for cerr := range tx.Check() {
			if reason == "" {
				reason = "it failed the consistency check: " + cerr.Error()
			}
		}
		releaseTx(tx) // the check mapped every page of the file
		return nil
	})
	if err != nil && reason == "" {
		reason = "it failed the consistency check: " + err.Error()
	}
	return reason
}

// setAside moves a damaged file out of the way, under a name that says
// what it is and when it was found.
func setAside(path string, now time.Time) (string, error) {
	to := path + ".damaged-" + now.UTC().Format("20060102-150405")
	if err := os.Rename(path, to); err != nil {
		return "", fmt.Errorf("move the damaged queue file aside: %w", err)
	}
	return to, nil
}

// salvage copies what can still be read from the damaged file at from into
// q: every sent record that decodes and every live job. Reading a damaged
// file may fault; a fault ends the copy with what was read so far.
func (q *Queue) salvage(from string, d *Damage) {
	d.SentLost = "all"
	info, err := os.Stat(from)
	if err != nil || info.Size() == 0 {
		return
	}
	var db *bolt.DB
	err = guard(func() error {
		var err error
		db, err = bolt.Open(from, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		return err
	})
	if err != nil {
		return
	}
	defer ignoreClose(db)
	var (
		sent     = map[string][]byte{}
		jobs     []Job
		complete bool
	)
	// Each bucket is read under its own guard: a damaged page (or, in a
	// truncated file, a page past its end, whose fault SetPanicOnFault
	// makes a panic) ends that bucket's copy with what was read so far.
	_ = guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketSent)
			if b == nil {
				return nil
			}
			bad := 0
			_ = b.ForEach(func(k, v []byte) error {
				if _, err := decodeFingerprint(v); err == nil {
					sent[string(k)] = append([]byte(nil), v...)
				} else {
					bad++
				}
				return nil
			})
			complete = bad == 0
			return nil
		})
	})
	_ = guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			if b := tx.Bucket(bucketJobs); b != nil {
				_ = b.ForEach(func(_, v []byte) error {
					if j, err := decodeJob(v); err == nil && j.State.Live() {
						jobs = append(jobs, j)
					}
					return nil
				})
			}
			return nil
		})
	})
	err = q.update(func(t *txn) error {
		for k, v := range sent {
			if err := t.sent.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		d.SentKept = len(sent)
		if complete {
			d.SentLost = ""
		} else if len(sent) > 0 {
			d.SentLost = "part"
		}
	}
	var keep []Job
	for _, j := range jobs {
		if validate(j) == nil {
			keep = append(keep, j)
		}
	}
	if ids, err := q.Enqueue(keep...); err == nil {
		d.JobsKept = len(ids)
	}
}

package queue

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// sentKey is Job.Key() for the same target and remote path.
func sentKey(target, remotePath string) []byte {
	return []byte(target + "\x00" + remotePath)
}

// Sent returns the fingerprint of the last good upload of remotePath to
// target, and false when there was none. A damaged record yields an error
// wrapping ErrCorrupt (the caller then treats the file as not sent).
func (q *Queue) Sent(target, remotePath string) (Fingerprint, bool, error) {
	var (
		f  Fingerprint
		ok bool
	)
	err := q.viewOnly(useSent, func(t *txn) error {
		var err error
		f, ok, err = t.sentRecord(target, remotePath)
		return err
	})
	if err != nil {
		return Fingerprint{}, false, fmt.Errorf("sent: %w", err)
	}
	return f, ok, nil
}

// sentRecord is Sent's read inside t.
func (t *txn) sentRecord(target, remotePath string) (Fingerprint, bool, error) {
	v := t.sent.Get(sentKey(target, remotePath))
	if v == nil {
		return Fingerprint{}, false, nil
	}
	f, err := decodeFingerprint(v)
	if err != nil {
		return Fingerprint{}, false, fmt.Errorf("%s %s: %w", target, remotePath, err)
	}
	return f, true, nil
}

// SentChanges counts the commits that changed the sent index since Open.
// It is raised only after such a commit is durable, so records read by
// SentAll after SentChanges returned n are all there is while it still
// returns n: a scan can answer from them and ask Sent only when it moved.
func (q *Queue) SentChanges() uint64 { return q.sentChanges.Load() }

// SentAll calls fn for every sent record of target in remote path order
// (bytewise), for the watcher's startup scan. fn runs on the caller's
// goroutine inside one read transaction and must not call Queue methods
// that write. An error from fn stops the walk and is returned wrapped.
// Corrupt records are skipped; after the walk SentAll returns an error
// joining one ErrCorrupt per skipped record. The pages the walk mapped are
// handed back at its end (releaseWalk).
func (q *Queue) SentAll(target string, fn func(remotePath string, fp Fingerprint) error) error {
	prefix := sentKey(target, "")
	var errs []error
	err := q.view(func(t *txn) error {
		errs = nil
		c := t.sent.Cursor()
		var walked releaseWalk
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			walked.read(t.tx, k, v)
			p := string(k[len(prefix):])
			f, err := decodeFingerprint(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", p, err))
				continue
			}
			if err := fn(p, f); err != nil {
				return err
			}
		}
		walked.done(t.tx)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sent all %s: %w", target, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("sent all %s: %w", target, errors.Join(errs...))
	}
	return nil
}

// SentStamps is SentAll for the size and mtime of each record only, for a
// full scan's snapshot: nothing else of a record is decoded or copied, and
// nothing is allocated per record. remotePath is the record's own bytes,
// valid only until fn returns: fn must copy what it keeps and must not
// modify it. fn's other rules and the handling of corrupt records are
// SentAll's.
func (q *Queue) SentStamps(target string, fn func(remotePath []byte, size int64, mtime time.Time) error) error {
	prefix := sentKey(target, "")
	var errs []error
	err := q.view(func(t *txn) error {
		errs = nil
		c := t.sent.Cursor()
		var walked releaseWalk
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			walked.read(t.tx, k, v)
			size, mtime, err := decodeFingerprintStamp(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", k[len(prefix):], err))
				continue
			}
			if err := fn(k[len(prefix):len(k):len(k)], size, mtime); err != nil {
				return err
			}
		}
		walked.done(t.tx)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sent stamps %s: %w", target, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("sent stamps %s: %w", target, errors.Join(errs...))
	}
	return nil
}

// releaseWalk releases the queue file's mapped pages at the end of a walk
// over the sent index (done), so the scan after it holds none of them.
// It does not release during the walk: each page read maps the 64 KiB of
// the file around it (the kernel's fault-around, which bbolt's MADV_RANDOM
// does not turn off) and the index's leaves lie scattered over the file,
// written one upload at a time, so on a real queue of 100,000 sent files
// releasing every MiB of records still left 24 MiB of the 29 mapped at
// the worst, and every 256 KiB 12 MiB, at 2.5 and 4 times the walk's CPU
// (the same pages mapped again and again).
type releaseWalk struct{ n int }

// read counts a record read.
func (w *releaseWalk) read(_ *bolt.Tx, k, v []byte) { w.n += len(k) + len(v) }

// done releases what the walk mapped, if it read anything.
func (w *releaseWalk) done(tx *bolt.Tx) {
	if w.n > 0 {
		w.n = 0
		releaseTx(tx)
	}
}

// SentCount counts the sent records of target whose remote path begins
// with below, and the bytes of their paths after below, in one read
// transaction that decodes nothing: a snapshot sizes its arrays with it
// before SentStamps fills them, instead of growing them (and leaving the
// outgrown copies as garbage) at the peak of a restart. The index may
// change before the walk that follows; the counts are a size hint.
func (q *Queue) SentCount(target, below string) (records, pathBytes int, err error) {
	prefix := sentKey(target, below)
	err = q.view(func(t *txn) error {
		var walked releaseWalk
		c := t.sent.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			walked.read(t.tx, k, v)
			records++
			pathBytes += len(k) - len(prefix)
		}
		walked.done(t.tx)
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sent count %s: %w", target, err)
	}
	return records, pathBytes, nil
}

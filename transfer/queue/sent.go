package queue

import (
	"bytes"
	"errors"
	"fmt"
	"time"
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
		v := t.sent.Get(sentKey(target, remotePath))
		if v == nil {
			return nil
		}
		var err error
		if f, err = decodeFingerprint(v); err != nil {
			return fmt.Errorf("%s %s: %w", target, remotePath, err)
		}
		ok = true
		return nil
	})
	if err != nil {
		return Fingerprint{}, false, fmt.Errorf("sent: %w", err)
	}
	return f, ok, nil
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
// joining one ErrCorrupt per skipped record.
func (q *Queue) SentAll(target string, fn func(remotePath string, fp Fingerprint) error) error {
	prefix := sentKey(target, "")
	var errs []error
	err := q.view(func(t *txn) error {
		errs = nil
		c := t.sent.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
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
// full scan's snapshot: nothing else of a record is decoded or copied.
// remotePath is a fresh string; fn's other rules and the handling of
// corrupt records are SentAll's.
func (q *Queue) SentStamps(target string, fn func(remotePath string, size int64, mtime time.Time) error) error {
	prefix := sentKey(target, "")
	var errs []error
	err := q.view(func(t *txn) error {
		errs = nil
		c := t.sent.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			size, mtime, err := decodeFingerprintStamp(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", k[len(prefix):], err))
				continue
			}
			if err := fn(string(k[len(prefix):]), size, mtime); err != nil {
				return err
			}
		}
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

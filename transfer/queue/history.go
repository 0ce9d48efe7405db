package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// appendHistory adds h under the next sequence number. Past limit the
// oldest entries are dropped, historySlack(limit) of them at once: a trim
// of one entry per append dirtied the first leaf and its branch in every
// finish's commit (two of its pages), while a trim every few hundred
// appends frees whole pages. Readers stop at the newest limit entries
// (historyKept), so what the history shows is as if every append trimmed.
// Keys only ever leave from the front, so the count is last-first+1 and
// trimming needs no scan.
func (t *txn) appendHistory(h HistoryEntry, limit int) error {
	seq, err := t.hist.NextSequence()
	if err != nil {
		return fmt.Errorf("append history: %w", err)
	}
	if err := t.hist.Put(binary.BigEndian.AppendUint64(nil, seq), encodeHistory(h)); err != nil {
		return fmt.Errorf("append history: %w", err)
	}
	c := t.hist.Cursor()
	k, _ := c.First()
	if k == nil || len(k) == 8 && seq-binary.BigEndian.Uint64(k)+1 <= uint64(limit+historySlack(limit)) {
		return nil
	}
	for ; k != nil; k, _ = c.First() {
		if len(k) != 8 || seq-binary.BigEndian.Uint64(k)+1 <= uint64(limit) {
			return nil
		}
		if err := c.Delete(); err != nil {
			return fmt.Errorf("trim history: %w", err)
		}
	}
	return nil
}

// historySlack is how many entries past limit the history may hold before
// appendHistory trims it back to limit: a 32nd of it (312 entries, some
// 50 KB, for the default 10,000).
func historySlack(limit int) int { return limit / 32 }

// historyKept reports whether the n-th entry walked newest first (n from
// 1) is one the history shows: the entries past limit wait for the next
// trim (see appendHistory) and are not shown.
func historyKept(n, limit int) bool { return n <= limit }

// History returns up to limit entries (all when limit <= 0), newest first.
// Corrupt entries are skipped: the valid ones are returned together with an
// error joining one ErrCorrupt per skipped entry.
func (q *Queue) History(limit int) ([]HistoryEntry, error) {
	var (
		out  []HistoryEntry
		errs []error
	)
	err := q.view(func(t *txn) error {
		out, errs = nil, nil
		c := t.hist.Cursor()
		n := 0
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			if n++; !historyKept(n, q.limit) {
				break
			}
			h, err := decodeHistory(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("history entry %x: %w", k, err))
				continue
			}
			out = append(out, h)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("history: %w", errors.Join(errs...))
	}
	return out, nil
}

// historyReleaseEvery is how many entries HistoryEach walks between two
// releases of the queue file's mapped pages (releaseTx). The history is
// walked in key order, newest first, so a page released is not read again.
const historyReleaseEvery = 1024

// HistoryEach calls fn with each history entry, newest first, until fn
// returns false, inside one read transaction (fn must not call the Queue).
// Corrupt entries are skipped.
func (q *Queue) HistoryEach(fn func(HistoryEntry) bool) error {
	err := q.view(func(t *txn) error {
		c := t.hist.Cursor()
		n := 0
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if n++; !historyKept(n, q.limit) {
				break
			}
			if n%historyReleaseEvery == 0 {
				// `ferry upload` sums up its outcomes here: the whole
				// history's pages would stay resident to the end.
				releaseTx(t.tx)
			}
			h, err := decodeHistory(v)
			if err != nil {
				continue
			}
			if !fn(h) {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

package queue

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releaseMapped tells the kernel that the process does not need the queue
// file's pages it has mapped (madvise MADV_DONTNEED on bbolt's read-only,
// shared mapping of the file), so they leave its resident set; reading
// them later maps them again from the page cache. It runs inside a read
// transaction, which holds bbolt's mapping in place (a remap waits for
// read transactions), and covers the pages in use (Tx.Size). Errors are
// of no consequence: the pages just stay mapped.
func (q *Queue) releaseMapped() {
	_ = q.db.View(func(tx *bolt.Tx) error {
		releaseIn(tx)
		return nil
	})
}

// releaseIn is releaseMapped inside transaction tx, for a read that walks
// many records (HistoryEach): the pages it has read leave the resident
// set as it goes. Records it still holds stay valid: their pages are
// mapped again from the page cache when touched, and bbolt keeps the
// pages a live transaction reads from being reused.
func releaseIn(tx *bolt.Tx) {
	if size := tx.Size(); size > 0 {
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, tx.DB().Info().Data, uintptr(size), unix.MADV_DONTNEED)
	}
}

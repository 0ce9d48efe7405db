package queue

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releaseMapped tells the kernel that the process does not need the queue
// file's pages it has mapped, in a read transaction of its own (see
// releaseTx). Errors are of no consequence: the pages just stay mapped.
func (q *Queue) releaseMapped() {
	_ = q.db.View(func(tx *bolt.Tx) error {
		releaseTx(tx)
		return nil
	})
}

// releaseTx hands back the queue file's pages mapped into the process
// (madvise MADV_DONTNEED on bbolt's read-only, shared mapping of the
// file), so they leave its resident set; reading them later maps them
// again from the page cache, unchanged. It must run inside tx, which
// holds bbolt's mapping in place (a remap waits for open transactions),
// and covers the pages in use (Tx.Size). A transaction may go on reading
// after it: bbolt never rewrites a page that an open transaction can
// see, so what it maps again is what it read before.
func releaseTx(tx *bolt.Tx) {
	if size := tx.Size(); size > 0 {
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, tx.DB().Info().Data, uintptr(size), unix.MADV_DONTNEED)
	}
}

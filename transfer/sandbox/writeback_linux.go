//go:build linux

package sandbox

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing bytes [off, off+n) of f
// to disk now, without waiting for them. It is only a hint that spreads
// the disk work over the upload: durability still comes from the fsync
// in commit, which also reports any write error, so a failure here is
// ignored.
func startWriteback(f *os.File, off, n int64) {
	rc, err := f.SyscallConn()
	if err != nil {
		return // commit's fsync does the whole write-out instead
	}
	_ = rc.Control(func(fd uintptr) {
		_ = unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE) // a hint; commit's fsync reports errors
	})
}

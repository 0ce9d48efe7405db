//go:build linux

package sandbox

import (
	"io"
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

// copyRange copies n bytes of src from srcOff to dst at dstOff inside the
// kernel (copy_file_range: page cache to page cache, no trip through the
// process's memory), falling back to reads and writes where the kernel or
// the file system cannot. It returns the bytes copied.
func copyRange(dst *os.File, dstOff int64, src *os.File, srcOff, n int64) (int64, error) {
	var done int64
	var cerr error
	drc, err := dst.SyscallConn()
	if err != nil {
		return copyRangeRW(dst, dstOff, src, srcOff, n)
	}
	src2, err := src.SyscallConn()
	if err != nil {
		return copyRangeRW(dst, dstOff, src, srcOff, n)
	}
	ctlErr := drc.Control(func(dfd uintptr) {
		cerr = src2.Control(func(sfd uintptr) {
			for done < n {
				roff, woff := srcOff+done, dstOff+done
				m, err := unix.CopyFileRange(int(sfd), &roff, int(dfd), &woff, int(min(n-done, 1<<30)), 0)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					cerr = err
					return
				}
				if m == 0 {
					return // src is shorter than n: the caller sees done < n
				}
				done += int64(m)
			}
		})
	})
	if ctlErr != nil {
		cerr = ctlErr
	}
	if cerr != nil && done == 0 && (cerr == unix.ENOSYS || cerr == unix.EXDEV || cerr == unix.EINVAL || cerr == unix.EOPNOTSUPP) {
		return copyRangeRW(dst, dstOff, src, srcOff, n)
	}
	if cerr == nil && done < n {
		cerr = io.ErrUnexpectedEOF
	}
	return done, cerr
}

//go:build linux

package sync

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// statEntry lstats one entry of the open directory dir. On Linux it asks
// relative to the directory's descriptor: os.DirEntry.Info builds the full
// path and makes the kernel walk it again for every file, which was the
// largest single cost of a 100,000-file scan. regular is false for anything
// but a regular file (including a symlink, which is never followed).
func statEntry(dir *os.File, _ os.DirEntry, name string) (st stamp, regular bool, err error) {
	var s unix.Stat_t
	if err := unix.Fstatat(int(dir.Fd()), name, &s, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return stamp{}, false, &os.PathError{Op: "lstat", Path: name, Err: err}
	}
	if s.Mode&unix.S_IFMT != unix.S_IFREG {
		return stamp{}, false, nil
	}
	return stamp{s.Size, time.Unix(s.Mtim.Sec, s.Mtim.Nsec)}, true, nil
}

//go:build unix

package transfer

import (
	"io/fs"
	"os"
	"syscall"
)

// openRead opens p for reading, as os.Open does, but hands the runtime a
// descriptor it does not try to put in its network poller: os.Open makes
// every file non-blocking, asks epoll to watch it (which refuses a regular
// file), and makes it blocking again, five system calls per file that a
// small file's upload paid for nothing. os.NewFile of a blocking
// descriptor only asks whether it is blocking. Errors are *fs.PathError,
// worded as os.Open's.
func openRead(p string) (*os.File, error) {
	for {
		fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue // as os.Open: a signal interrupted the open
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: p, Err: err}
		}
		return os.NewFile(uintptr(fd), p), nil
	}
}

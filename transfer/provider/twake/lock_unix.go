//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package twake

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive flock on f without waiting. It returns false
// when another open file (in any process) holds it. The lock goes with
// the file's close or the process's death.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

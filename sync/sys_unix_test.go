//go:build unix

package sync

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// cpuTime is this process's CPU time so far (user + system).
func cpuTime(b testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// syncDisks lets writeback of freshly written files finish.
func syncDisks() { syscall.Sync() }

// makeFIFO makes a named pipe at path.
func makeFIFO(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(filepath.Clean(path), 0o600); err != nil {
		t.Fatal(err)
	}
}

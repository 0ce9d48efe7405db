//go:build windows

package sync

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is this process's CPU time so far (user + kernel).
func cpuTime(b testing.TB) time.Duration {
	self, err := syscall.GetCurrentProcess()
	if err != nil {
		b.Fatal(err)
	}
	var creation, exit, kernel, user syscall.Filetime
	if err := syscall.GetProcessTimes(self, &creation, &exit, &kernel, &user); err != nil {
		b.Fatal(err)
	}
	ft := func(f syscall.Filetime) time.Duration {
		return time.Duration(uint64(f.HighDateTime)<<32|uint64(f.LowDateTime)) * 100
	}
	return ft(kernel) + ft(user)
}

// syncDisks does nothing: Windows has no system-wide sync, and the
// benchmarks' first timed scan only runs a little slower without it.
func syncDisks() {}

// makeFIFO skips the test: Windows has no FIFOs in the file system.
func makeFIFO(t *testing.T, _ string) {
	t.Helper()
	t.Skip("no FIFOs on Windows")
}

//go:build !windows

package bench

import "syscall"

// syncDisk writes back every dirty page before a timed run, so that no
// run pays for what the previous one left the disk doing (the curl
// baseline ran bimodal without it: 1.3-2.4 s or 4.3-5.1 s per GiB).
func syncDisk() { syscall.Sync() }

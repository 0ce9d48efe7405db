//go:build !linux

package sync

import "os"

// statEntry lstats one directory entry. See stat_linux.go for why Linux
// does it differently.
func statEntry(_ *os.File, e os.DirEntry, _ string) (st stamp, regular bool, err error) {
	info, err := e.Info()
	if err != nil {
		return stamp{}, false, err
	}
	if !info.Mode().IsRegular() {
		return stamp{}, false, nil
	}
	return stamp{info.Size(), info.ModTime()}, true, nil
}

//go:build !linux

package sandbox

import "os"

// copyRange copies n bytes of src from srcOff to dst at dstOff with reads
// and writes and returns the bytes copied.
func copyRange(dst *os.File, dstOff int64, src *os.File, srcOff, n int64) (int64, error) {
	return copyRangeRW(dst, dstOff, src, srcOff, n)
}

// startWriteback is a no-op where sync_file_range does not exist: commit's
// fsync writes everything out at the end.
func startWriteback(*os.File, int64, int64) {}

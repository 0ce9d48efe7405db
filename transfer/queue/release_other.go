//go:build !linux

package queue

// releaseMapped does nothing where the queue file's mapped pages are left
// to the system (see the Linux version).
func (q *Queue) releaseMapped() {}

//go:build !linux

package queue

import bolt "go.etcd.io/bbolt"

// releaseMapped does nothing where the queue file's mapped pages are left
// to the system (see the Linux version).
func (q *Queue) releaseMapped() {}

// releaseTx does nothing where the queue file's mapped pages are left to
// the system (see the Linux version).
func releaseTx(*bolt.Tx) {}

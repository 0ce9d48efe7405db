package queue

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Bucket names. The first six are the design's; the rest are indexes the
// queue keeps in step with jobs inside every write transaction, so Claim,
// NextWake, crash recovery and Counts never scan the jobs bucket.
var (
	bucketMeta     = []byte("meta")     // "schema" -> uint32 version
	bucketJobs     = []byte("jobs")     // id (8 bytes, big-endian) -> job record
	bucketByKey    = []byte("bykey")    // Job.Key() -> id
	bucketSessions = []byte("sessions") // id -> session record
	bucketSent     = []byte("sent")     // Job.Key() -> fingerprint record
	bucketHistory  = []byte("history")  // sequence (8 bytes) -> history record
	bucketReady    = []byte("ready")    // target -> (id -> "") for runnable jobs
	bucketWaiting  = []byte("waiting")  // waitKey(NextAttempt, id) -> target, Waiting jobs not yet due
	bucketRunning  = []byte("running")  // id -> "" for Running jobs
	bucketCounts   = []byte("counts")   // state name -> uint64 count of jobs in that state
	bucketSettings = []byte("settings") // pause flag, per-target chunk sizes
)

var keySchema = []byte("schema")

// migration upgrades a database from version N to N+1 inside the caller's
// transaction; migrations[N] is the step from N to N+1.
type migration func(tx *bolt.Tx) error

// migrations is the schema history. Version 0 is a file without a meta
// bucket (new). A new schema appends a step here; steps are never edited
// once released, because users' files were written by them.
var migrations = []migration{
	// 0 -> 1: the initial layout.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{
			bucketMeta, bucketJobs, bucketByKey, bucketSessions, bucketSent, bucketHistory,
			bucketReady, bucketWaiting, bucketRunning, bucketCounts, bucketSettings,
		} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	},
}

// schemaVersion reads the stored version; a file without a meta bucket or
// key is version 0.
func schemaVersion(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil
	}
	v := meta.Get(keySchema)
	if v == nil {
		return 0, nil
	}
	if len(v) != 4 {
		return 0, fmt.Errorf("read schema version: %w: %d bytes", ErrCorrupt, len(v))
	}
	return int(binary.BigEndian.Uint32(v)), nil
}

// migrate brings the file to len(steps) in one transaction, so a crash
// mid-upgrade leaves the old version intact. A file newer than this build
// fails with ErrSchema and is left untouched.
func migrate(tx *bolt.Tx, steps []migration) error {
	v, err := schemaVersion(tx)
	if err != nil {
		return err
	}
	if v > len(steps) {
		return fmt.Errorf("migrate queue: file has schema version %d, this Ferry knows up to %d (written by a newer Ferry?): %w",
			v, len(steps), ErrSchema)
	}
	for ; v < len(steps); v++ {
		if err := steps[v](tx); err != nil {
			return fmt.Errorf("migrate queue from version %d: %w", v, err)
		}
	}
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("migrate queue: %w", err)
	}
	return meta.Put(keySchema, binary.BigEndian.AppendUint32(nil, uint32(v)))
}

package ferrytest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// WithQueue opens the queue of a stopped ferry in e (its data folder),
// hands it to fn and closes it. A ferry still running holds the lock, so
// this fails after 10 s instead of reading a queue in use.
func (e *Env) WithQueue(t *testing.T, fn func(q *queue.Queue)) {
	t.Helper()
	q, err := queue.Open(filepath.Join(e.Data, "queue.db"), queue.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("open the queue of the stopped ferry: %v", err)
	}
	defer func() {
		if err := q.Close(); err != nil {
			t.Error(err)
		}
	}()
	fn(q)
}

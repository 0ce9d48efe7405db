package soak

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// announcedTwice reads the stopped ferry watch's queue history and returns
// the relative paths of the files Ferry warned may be stored twice: a
// service that stores a file with its last chunk and cannot be asked
// afterwards (files.ro) leaves a second copy when ferry watch is killed
// after the server stored the file but before its answer was recorded.
// Ferry resends rather than risk a loss, and says so on the file; the
// soak accepts such a duplicate only when it was announced.
func announcedTwice(t *testing.T, env *ferrytest.Env) map[string]bool {
	t.Helper()
	q, err := queue.Open(filepath.Join(env.Data, "queue.db"), queue.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("open the queue of the stopped ferry watch: %v", err)
	}
	defer func() {
		if err := q.Close(); err != nil {
			t.Error(err)
		}
	}()
	hs, err := q.History(0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, h := range hs {
		if strings.Contains(h.Warning, transfer.MaybeTwiceNote) {
			out[h.RelPath] = true
		}
	}
	return out
}

package soak

import (
	"os"
	"strings"
	"testing"

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
func announcedTwice(t *testing.T, env *ferrytest.Env) *notes {
	t.Helper()
	out := &notes{twice: map[string]bool{}, refused: map[string]bool{}, failed: map[string]bool{}}
	env.WithQueue(t, func(q *queue.Queue) {
		hs, err := q.History(0)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if strings.Contains(h.Warning, transfer.MaybeTwiceNote) {
				out.twice[h.RelPath] = true
			}
		}
		err = q.Jobs(nil, func(j queue.Job) bool {
			switch {
			case j.State == queue.Failed && j.ErrKind == transfer.KindNameTwins:
				out.refused[j.RelPath] = true
			case j.State == queue.Failed && j.ErrMsg != "":
				out.failed[j.RelPath] = true
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	return out
}

// failedLines reads the FAILED lines ferry watch printed so far (the
// queue is locked while it runs): rel paths whose last word was a failure
// with a reason, for settle not to wait for files a server refuses.
func failedLines(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for line := range strings.SplitSeq(string(b), "\n") {
		_, rest, ok := strings.Cut(line, " FAILED ")
		if !ok {
			continue
		}
		if rel, _, ok := strings.Cut(rest, ": "); ok {
			out[rel] = true
		}
	}
	return out
}

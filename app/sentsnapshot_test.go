package app

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestSentSnapshot: the snapshot a full scan reads answers as the queue
// does, from memory, and asks the queue again once an upload finished
// after it was taken (issue 20).
func TestSentSnapshot(t *testing.T) {
	q, err := queue.Open(filepath.Join(t.TempDir(), "queue.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	finish := func(rel string, size int64) {
		t.Helper()
		ids, err := q.Enqueue(queue.Job{Target: "t", Root: "/r", RelPath: rel, RemoteDir: "up", Size: size, ModTime: t0})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := q.Claim(time.Now(), nil); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if err := q.Finish(ids[0], queue.HistoryEntry{}, &queue.Fingerprint{Size: size, ModTime: t0}); err != nil {
			t.Fatal(err)
		}
	}
	finish("a/one", 1)
	idx := sentIndex{q: q, target: "t", remoteDir: "up"}
	snap, err := idx.SentSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	if size, mt, ok, err := snap.Sent("a/one"); err != nil || !ok || size != 1 || !mt.Equal(t0) {
		t.Errorf("snapshot a/one: %d %v %v %v", size, mt, ok, err)
	}
	if _, _, ok, err := snap.Sent("a/two"); err != nil || ok {
		t.Errorf("snapshot a/two before it was sent: %v %v", ok, err)
	}
	finish("a/two", 2)
	if size, _, ok, err := snap.Sent("a/two"); err != nil || !ok || size != 2 {
		t.Errorf("snapshot a/two after an upload finished: %d %v %v, want the queue's answer", size, ok, err)
	}
}

package app

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestIsRootRel: a Candidate's on-disk path is recognised as root + rel
// exactly when filepath.Join would build the same path, and not when the
// name on disk differs (a non-NFC name) or the root is only a prefix.
func TestIsRootRel(t *testing.T) {
	root := filepath.FromSlash("/home/u/Photos")
	cases := []struct {
		p, rel string
	}{
		{filepath.Join(root, "a", "b.jpg"), "a/b.jpg"},
		{filepath.Join(root, "b.jpg"), "b.jpg"},
		{filepath.Join(root, "cafe\u0301.jpg"), "caf\u00e9.jpg"}, // NFD on disk
		{filepath.Join(root+"2", "b.jpg"), "b.jpg"},
		{filepath.Join(root, "a", "b.jpg"), "a/c.jpg"},
		{filepath.Join(root, "a", "b.jpg"), "a"},
		{root + "xa" + string(filepath.Separator) + "b.jpg", "a/b.jpg"},
	}
	for _, c := range cases {
		want := c.p == filepath.Join(root, filepath.FromSlash(c.rel))
		if got := isRootRel(c.p, root, c.rel); got != want {
			t.Errorf("isRootRel(%q, %q, %q) = %v, want %v", c.p, root, c.rel, got, want)
		}
	}
}

// TestSentSnapshotRemoteFolders: the snapshot of a folder answers for its
// own remote folder only, the target's root included, however the remote
// paths of other folders begin.
func TestSentSnapshotRemoteFolders(t *testing.T) {
	q, err := queue.Open(filepath.Join(t.TempDir(), "queue.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	sent := map[string]int64{"up/a": 1, "upper/a": 2, "a": 3, "up/x/a": 4}
	for remote, size := range sent {
		ids, err := q.Enqueue(queue.Job{Target: "t", Root: "/r", RelPath: remote, Size: size, ModTime: t0})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := q.Claim(time.Now(), nil); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if err := q.Finish(ids[0], queue.HistoryEntry{}, &queue.Fingerprint{Size: size, ModTime: t0.In(time.FixedZone("X", 3600))}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		remoteDir, rel string
		size           int64 // 0: not sent
	}{
		{"up", "a", 1},
		{"up", "x/a", 4},
		{"upper", "a", 2},
		{"", "a", 3},
		{"", "up/a", 1},
		{"", "up/x/a", 4},
		{"up", "up/a", 0},
		{"upp", "a", 0},
		{"up/x", "a", 4},
	} {
		idx := sentIndex{q: q, target: "t", remoteDir: tc.remoteDir}
		snap, err := idx.SentSnapshot()
		if err != nil {
			t.Fatal(err)
		}
		size, mt, ok, err := snap.Sent(tc.rel)
		lsize, lmt, lok, lerr := idx.Sent(tc.rel)
		if err != nil || lerr != nil || ok != lok || size != lsize || !mt.Equal(lmt) {
			t.Errorf("remote folder %q, %s: snapshot %d %v %v %v, queue %d %v %v %v", tc.remoteDir, tc.rel, size, mt, ok, err, lsize, lmt, lok, lerr)
		}
		if ok != (tc.size != 0) || size != tc.size || ok && !mt.Equal(t0) {
			t.Errorf("remote folder %q, %s: %d %v %v, want size %d", tc.remoteDir, tc.rel, size, mt, ok, tc.size)
		}
	}
}

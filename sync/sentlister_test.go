package sync

import (
	"os"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"
)

// listerSent is a SentIndex that also lists: it counts the per-file
// lookups asked of it and the snapshots taken.
type listerSent struct {
	inner     *mapSent
	mu        gosync.Mutex
	lookups   int
	snapshots int
}

func (s *listerSent) Sent(rel string) (int64, time.Time, bool, error) {
	s.mu.Lock()
	s.lookups++
	s.mu.Unlock()
	return s.inner.Sent(rel)
}

func (s *listerSent) SentSnapshot() (SentIndex, error) {
	s.mu.Lock()
	s.snapshots++
	s.mu.Unlock()
	cp := &mapSent{m: map[string]stamp{}}
	s.inner.mu.Lock()
	for k, v := range s.inner.m {
		cp.m[k] = v
	}
	s.inner.mu.Unlock()
	return cp, nil
}

// TestFullScanUsesSnapshot: a full scan over unchanged files asks a
// SentLister once for everything, not once per file (issue 20), and still
// hands on exactly the files that changed.
func TestFullScanUsesSnapshot(t *testing.T) {
	root := t.TempDir()
	for i := range 40 {
		writeFile(t, filepath.Join(root, "d", "f"+string(rune('a'+i%26))+string(rune('a'+i/26))), 10)
	}
	old := time.Now().Add(-time.Hour)
	_ = filepath.WalkDir(root, func(p string, _ os.DirEntry, _ error) error { return os.Chtimes(p, old, old) })
	sent := &listerSent{inner: sentFromDisk(t, root)}
	writeFile(t, filepath.Join(root, "d", "new"), 3)
	if err := os.Chtimes(filepath.Join(root, "d", "new"), old, old); err != nil {
		t.Fatal(err)
	}
	s := startWatcher(t, fastFolder(root), sent, nil)
	waitScans(t, s.w, 1)
	waitUntil(t, 5*time.Second, "the new file handed on", func() bool { return s.col.byPath()["d/new"] == 1 })
	s.stop()
	if got := s.col.byPath(); len(got) != 1 {
		t.Errorf("handed on %v, want only d/new", got)
	}
	sent.mu.Lock()
	defer sent.mu.Unlock()
	if sent.snapshots != 1 {
		t.Errorf("%d snapshots for one full scan, want 1", sent.snapshots)
	}
	if sent.lookups > 1 {
		t.Errorf("%d per-file lookups during a full scan over 41 files, want at most 1 (the new file's settling check)", sent.lookups)
	}
}

package sync

import (
	"os"
	"path/filepath"
	"slices"
	gosync "sync"
	"testing"
	"time"
)

// A file and a folder renamed inside the root are reported to
// Options.Renamed under their old names, and their new names come out as
// Candidates as before.
func TestRenamedReportsOldNames(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.txt"), 10)
	writeFile(t, filepath.Join(root, "dir", "b.txt"), 20)
	var (
		mu  gosync.Mutex
		old []string
	)
	s := startWatcher(t, fastFolder(root), sentFromDisk(t, root), func(w *Watcher) {
		w.opts.Renamed = func(rel string) {
			mu.Lock()
			old = append(old, rel)
			mu.Unlock()
		}
	})
	waitScans(t, s.w, 1)
	if err := os.Rename(filepath.Join(root, "a.txt"), filepath.Join(root, "c.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, "dir"), filepath.Join(root, "dir2")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "both new names handed on", func() bool {
		by := s.col.byPath()
		return by["c.txt"] == 1 && by["dir2/b.txt"] == 1
	})
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(old, "a.txt") || !slices.Contains(old, "dir") {
		t.Errorf("Renamed got %q, want a.txt and dir", old)
	}
}

package sync

import (
	"os"
	"path/filepath"
	"slices"
	gosync "sync"
	"testing"
	"time"
)

// A file removed inside the root, and a folder removed with its files,
// are reported to Options.Removed under their paths; a file renamed away
// is reported to Options.Renamed only, never as removed.
func TestRemovedReportsRemovedPaths(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.txt"), 10)
	writeFile(t, filepath.Join(root, "dir", "b.txt"), 20)
	writeFile(t, filepath.Join(root, "x.txt"), 30)
	var (
		mu               gosync.Mutex
		removed, renamed []string
	)
	s := startWatcher(t, fastFolder(root), sentFromDisk(t, root), func(w *Watcher) {
		w.opts.Removed = func(rel string) {
			mu.Lock()
			removed = append(removed, rel)
			mu.Unlock()
		}
		w.opts.Renamed = func(rel string) {
			mu.Lock()
			renamed = append(renamed, rel)
			mu.Unlock()
		}
	})
	waitScans(t, s.w, 1)
	if err := os.Remove(filepath.Join(root, "a.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(root, "dir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, "x.txt"), filepath.Join(root, "y.txt")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "the renamed file handed on", func() bool { return s.col.byPath()["y.txt"] == 1 })
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"a.txt", "dir/b.txt", "dir"} {
		if !slices.Contains(removed, want) {
			t.Errorf("Removed got %q, want %s among them", removed, want)
		}
	}
	if slices.Contains(removed, "x.txt") || !slices.Contains(renamed, "x.txt") {
		t.Errorf("Removed got %q, Renamed got %q; want x.txt renamed, not removed", removed, renamed)
	}
	if slices.Contains(renamed, "a.txt") {
		t.Errorf("Renamed got %q; a removed file is not renamed", renamed)
	}
}

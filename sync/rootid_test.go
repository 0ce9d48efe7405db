//go:build unix

package sync

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRootRecreatedUnderWorkingDirectory: with the process's working
// directory inside the watched folder, `rm -rf root; mkdir root` sends no
// delete event (the kernel keeps the old directory alive). The watcher
// must notice the new directory by its identity and hand on a file written
// into it.
func TestRootRecreatedUnderWorkingDirectory(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "outbox")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	f := fastFolder(root)
	s := startWatcher(t, f, nil, nil)
	waitScans(t, s.w, 1)

	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "after.txt"), 7)
	// rootCheckEvery(100 ms) is 1 s; the restart backoff is 50-200 ms.
	waitUntil(t, 6*time.Second, "a file in the recreated root handed on", func() bool {
		return s.col.byPath()["after.txt"] > 0
	})
}

package sync

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Symlinks (a loop to the root, a link to a tree outside it, a link to a
// file), FIFOs and sockets are skipped and counted once each; the scan ends
// and nothing behind a link is handed on.
func TestSpecialFilesSkippedOnce(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret.txt"), 9)
	writeFile(t, filepath.Join(root, "real.txt"), 1)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(".", filepath.Join(root, "loop")))
	must(os.Symlink(outside, filepath.Join(root, "out")))
	makeFIFO(t, filepath.Join(root, "pipe"))
	sock, err := net.Listen("unix", filepath.Join(root, "sock"))
	must(err)
	defer sock.Close()

	f := fastFolder(root)
	f.Rescan = 200 * time.Millisecond
	s := startWatcher(t, f, nil, nil)
	waitScans(t, s.w, 1)
	if st := s.w.Status(); st.Skipped != 4 {
		t.Fatalf("skipped = %d, want 4 (loop, out, pipe, sock)", st.Skipped)
	}
	// A link made while watching is seen through its event and skipped too.
	must(os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "link.txt")))
	waitUntil(t, 10*time.Second, "the new link counted", func() bool { return s.w.Status().Skipped == 5 })

	// Further scans see the same entries again and do not count them again.
	n := s.w.Status().Scans
	waitScans(t, s.w, n+2)
	if st := s.w.Status(); st.Skipped != 5 {
		t.Fatalf("skipped after more scans = %d, want still 5", st.Skipped)
	}
	for _, c := range s.col.snapshot() {
		if c.RelPath != "real.txt" {
			t.Fatalf("handed on %q", c.RelPath)
		}
	}
}

// When the watch table is full (Add fails with ENOSPC), the watcher says so
// with the limit's name, value and the sysctl to raise it, and keeps finding
// files in unwatched directories through more frequent scans.
func TestWatchLimitDegradesToScans(t *testing.T) {
	proc := t.TempDir()
	if err := os.WriteFile(filepath.Join(proc, "max_user_watches"), []byte("8192\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := procInotifyDir
	t.Cleanup(func() { procInotifyDir = old }) // runs after the watcher stopped
	procInotifyDir = proc

	root := t.TempDir()
	for _, d := range []string{"a", "b", "c", "d"} {
		writeFile(t, filepath.Join(root, d, "start.txt"), 1)
	}
	s := startWatcher(t, fastFolder(root), nil, func(w *Watcher) {
		w.newNotifier = newWrapNotifier(2, syscall.ENOSPC)
	})
	waitScans(t, s.w, 1)
	st := s.w.Status()
	for _, want := range []string{"fs.inotify.max_user_watches", "currently 8192", "sudo sysctl fs.inotify.max_user_watches=524288", "every 300 ms"} {
		if st.State != HealthDegraded || !strings.Contains(st.Reason, want) {
			t.Fatalf("status %v %q, want degraded naming %q", st.State, st.Reason, want)
		}
	}
	if st.Watches != 2 {
		t.Fatalf("watches = %d, want 2", st.Watches)
	}
	for _, d := range []string{"a", "b", "c", "d"} {
		writeFile(t, filepath.Join(root, d, "later.txt"), 2)
	}
	waitUntil(t, 10*time.Second, "files in unwatched dirs", func() bool { return len(s.col.byPath()) == 8 })
	for p, n := range s.col.byPath() {
		if n != 1 {
			t.Fatalf("%s handed on %d times", p, n)
		}
	}
}

// Without any inotify instance the watcher runs on scans alone and names
// the instance limit; it starts watching once an instance can be had.
func TestNoWatcherAtAllDegradesToScans(t *testing.T) {
	root := t.TempDir()
	var limited atomic.Bool
	limited.Store(true)
	s := startWatcher(t, fastFolder(root), nil, func(w *Watcher) {
		w.newNotifier = func() (notifier, error) {
			if limited.Load() {
				return nil, fmt.Errorf("new watcher: %w", syscall.EMFILE)
			}
			return newFSNotifier()
		}
	})
	waitScans(t, s.w, 1)
	if st := s.w.Status(); st.State != HealthDegraded || !strings.Contains(st.Reason, "fs.inotify.max_user_instances") {
		t.Fatalf("status %v %q", st.State, st.Reason)
	}
	writeFile(t, filepath.Join(root, "x", "y.txt"), 4)
	waitUntil(t, 10*time.Second, "file found by scans", func() bool { return s.col.byPath()["x/y.txt"] == 1 })

	// A later full scan gets a watcher once one can be had, without a restart.
	limited.Store(false)
	waitUntil(t, 10*time.Second, "watching", func() bool {
		st := s.w.Status()
		return st.State == HealthOK && st.Watches == 2
	})
	writeFile(t, filepath.Join(root, "x", "z.txt"), 4)
	waitUntil(t, 10*time.Second, "file found by its event", func() bool { return s.col.byPath()["x/z.txt"] == 1 })
}

// The root vanishing is a failure with a reason; the watcher retries with
// backoff and recovers, with a full scan, when the folder comes back.
func TestRootRemovedFailsAndRecovers(t *testing.T) {
	root := filepath.Join(t.TempDir(), "watched")
	writeFile(t, filepath.Join(root, "before.txt"), 1)
	s := startWatcher(t, fastFolder(root), nil, nil)
	waitScans(t, s.w, 1)
	waitUntil(t, 10*time.Second, "before.txt", func() bool { return s.col.byPath()["before.txt"] == 1 })

	changed := s.w.Changed()
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "failed state", func() bool { return s.w.Status().State == HealthFailed })
	select {
	case <-changed:
	default:
		t.Fatal("Changed was not closed when the state changed")
	}
	if st := s.w.Status(); !strings.Contains(st.Reason, "no longer exists") || !strings.Contains(st.Reason, root) {
		t.Fatalf("reason %q", st.Reason)
	}
	time.Sleep(500 * time.Millisecond) // several backoff rounds against a missing root
	if st := s.w.Status(); st.State != HealthFailed {
		t.Fatalf("state %v while the root is missing", st.State)
	}
	writeFile(t, filepath.Join(root, "after.txt"), 2)
	waitUntil(t, 10*time.Second, "recovery", func() bool {
		return s.w.Status().State == HealthOK && s.col.byPath()["after.txt"] == 1
	})
	// Watching again, not only scanning: a new file is seen by its event.
	writeFile(t, filepath.Join(root, "new.txt"), 3)
	waitUntil(t, 10*time.Second, "new.txt", func() bool { return s.col.byPath()["new.txt"] == 1 })
}

func TestDisabledFolderRunReturnsAtOnce(t *testing.T) {
	f := fastFolder(t.TempDir())
	f.Enabled = false
	w, err := New(f, Options{Emit: (&collector{}).emit})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := w.Status(); st.State != HealthStopped || st.Reason != "disabled" {
		t.Fatalf("status %+v", st)
	}
}

// Once the limit is raised, the next full scan watches every directory again
// and the watcher is healthy without a restart.
func TestWatchLimitHealsWhenRaised(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a", "b", "c"} {
		writeFile(t, filepath.Join(root, d, "f.txt"), 1)
	}
	var wn *wrapNotifier
	s := startWatcher(t, fastFolder(root), nil, func(w *Watcher) {
		mk := newWrapNotifier(1, syscall.ENOSPC)
		w.newNotifier = func() (notifier, error) {
			n, err := mk()
			if err == nil {
				wn = n.(*wrapNotifier)
			}
			return n, err
		}
	})
	waitScans(t, s.w, 1)
	if st := s.w.Status(); st.State != HealthDegraded {
		t.Fatalf("state %v, want degraded", st.State)
	}
	wn.mu.Lock()
	wn.failWith = nil // "sudo sysctl ..." was run
	wn.mu.Unlock()
	waitUntil(t, 10*time.Second, "healthy again", func() bool {
		st := s.w.Status()
		return st.State == HealthOK && st.Watches == 4
	})
	// The healed watcher sees events in a formerly unwatched directory at
	// once, not after an hour's rescan.
	writeFile(t, filepath.Join(root, "c", "new.txt"), 2)
	waitUntil(t, 10*time.Second, "event-driven find", func() bool { return s.col.byPath()["c/new.txt"] == 1 })
}

// A folder replaced under the watcher (moved away, a new one made in its
// place) is watched anew: new files in it are seen through events.
func TestRootReplacedIsWatchedAnew(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "watched")
	writeFile(t, filepath.Join(root, "old.txt"), 1)
	s := startWatcher(t, fastFolder(root), nil, nil)
	waitScans(t, s.w, 1)
	if err := os.Rename(root, filepath.Join(parent, "old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "watching again", func() bool {
		st := s.w.Status()
		return st.State == HealthOK && st.Scans >= 2
	})
	writeFile(t, filepath.Join(root, "sub", "new.txt"), 2)
	waitUntil(t, 10*time.Second, "new file in the new folder", func() bool { return s.col.byPath()["sub/new.txt"] == 1 })
}

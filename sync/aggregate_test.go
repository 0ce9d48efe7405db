package sync

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fsnotify/fsnotify"
)

// fakeWatcher starts a watcher inside a synctest bubble with synthetic
// events and fake file states, and waits for its startup scan.
func fakeWatcher(t *testing.T, f Folder) (*started, *fakeNotifier, *fakeStat) {
	t.Helper()
	fn, fst := newFakeNotifier(), &fakeStat{}
	s := startWatcher(t, f, nil, func(w *Watcher) {
		w.newNotifier = func() (notifier, error) { return fn, nil }
		w.lstat = fst.lstat
	})
	synctest.Wait()
	if st := s.w.Status(); st.Scans != 1 || st.State != HealthOK {
		t.Fatalf("after startup: %+v", st)
	}
	return s, fn, fst
}

func bubbleFolder(root string) Folder {
	return Folder{ID: "test", Root: root, Enabled: true, Quiet: 2 * time.Second, MaxDelay: 60 * time.Second}
}

// A changed file is handed on exactly two quiet periods after its last
// event: the first check takes a stat, the second confirms it held still.
func TestGateWaitsQuietPeriodAndSecondStat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := t.TempDir()
		s, fn, fst := fakeWatcher(t, bubbleFolder(root))
		p := filepath.Join(root, "a.txt")
		fst.set(p, 10, time.Now())
		fn.ev <- fsnotify.Event{Name: p, Op: fsnotify.Create}
		fn.ev <- fsnotify.Event{Name: p, Op: fsnotify.Write}

		time.Sleep(4*time.Second - time.Millisecond)
		synctest.Wait()
		if got := s.col.snapshot(); len(got) != 0 {
			t.Fatalf("handed on before two quiet periods: %+v", got)
		}
		if st := s.w.Status(); st.Pending != 1 {
			t.Fatalf("pending = %d, want 1", st.Pending)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		got := s.col.snapshot()
		if len(got) != 1 || got[0].RelPath != "a.txt" || got[0].Size != 10 || got[0].Warning != "" {
			t.Fatalf("got %+v", got)
		}
		// A later event that changes nothing (chmod) hands on nothing new.
		fn.ev <- fsnotify.Event{Name: p, Op: fsnotify.Chmod}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if n := len(s.col.snapshot()); n != 1 {
			t.Fatalf("unchanged file handed on again (%d)", n)
		}
	})
}

// A file that changes every 70 ms (never on the 60 s mark, so no tie) goes exactly MaxDelay after its first
// event, with a warning; once it stops, its final state goes without one.
func TestGateForcesNeverSettlingFileAtMaxDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := t.TempDir()
		s, fn, fst := fakeWatcher(t, bubbleFolder(root))
		p := filepath.Join(root, "grow.log")
		start := time.Now()
		for i := 0; time.Since(start) < 65*time.Second; i++ {
			fst.set(p, int64(i), time.Now())
			fn.ev <- fsnotify.Event{Name: p, Op: fsnotify.Write}
			time.Sleep(70 * time.Millisecond)
			synctest.Wait()
			got := s.col.snapshot()
			if time.Since(start) < 60*time.Second && len(got) != 0 {
				t.Fatalf("handed on after %s, before the max delay", time.Since(start))
			}
		}
		got := s.col.snapshot()
		if len(got) != 1 || got[0].Warning != "file kept changing for 60 s; uploaded as it was then" {
			t.Fatalf("got %+v, want one forced candidate with the warning", got)
		}
		if got[0].Size != 857 { // the state at 60 s: the write at 857 × 70 ms = 59.99 s
			t.Fatalf("forced candidate size %d, want 857", got[0].Size)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		got = s.col.snapshot()
		if len(got) != 2 || got[1].Warning != "" || got[1].Size != 928 {
			t.Fatalf("after it settled: %+v", got)
		}
	})
}

// Too many pending event paths collapse into one rescan of the root once the
// folder is quiet, and every file is still handed on exactly once.
func TestTooManyEventsCollapseIntoRescan(t *testing.T) {
	for _, tc := range []struct {
		name       string
		dirs, each int
	}{
		{"total over 512", 10, 60},
		{"one folder over 128", 1, 140},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				root := t.TempDir()
				s, fn, _ := fakeWatcher(t, bubbleFolder(root))
				var paths []string
				for d := range tc.dirs {
					for i := range tc.each {
						p := filepath.Join(root, fmt.Sprintf("d%d", d), fmt.Sprintf("f%d", i))
						writeFile(t, p, i)
						paths = append(paths, p)
					}
				}
				for _, p := range paths {
					fn.ev <- fsnotify.Event{Name: p, Op: fsnotify.Create}
				}
				synctest.Wait()
				if st := s.w.Status(); st.Pending != 0 || st.Scans != 1 {
					t.Fatalf("after the burst: pending %d scans %d; want the entries dropped and a rescan deferred", st.Pending, st.Scans)
				}
				time.Sleep(2 * time.Second)
				synctest.Wait()
				if st := s.w.Status(); st.Scans != 2 {
					t.Fatalf("scans = %d after a quiet period, want the rescan done", st.Scans)
				}
				// The files' real mtimes lie in the bubble's future, so they
				// take the two-stat gate: one more quiet period.
				time.Sleep(2 * time.Second)
				synctest.Wait()
				got := s.col.byPath()
				if len(got) != len(paths) {
					t.Fatalf("handed on %d of %d files", len(got), len(paths))
				}
				for p, n := range got {
					if n != 1 {
						t.Fatalf("%s handed on %d times", p, n)
					}
				}
			})
		})
	}
}

// fsnotify's overflow error means events were lost: the root is rescanned and
// a file that produced no event is found.
func TestOverflowTriggersRescan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := t.TempDir()
		s, fn, _ := fakeWatcher(t, bubbleFolder(root))
		writeFile(t, filepath.Join(root, "lost", "event.txt"), 7)
		fn.errs <- fsnotify.ErrEventOverflow
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if st := s.w.Status(); st.Scans != 2 {
			t.Fatalf("scans = %d, want a rescan after the overflow", st.Scans)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := s.col.byPath(); got["lost/event.txt"] != 1 || len(got) != 1 {
			t.Fatalf("got %v", got)
		}
	})
}

// The periodic rescan comes within 3/4..5/4 of the interval and finds a file
// that produced no event; an idle watcher sets no other timer.
func TestPeriodicRescanJittered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := t.TempDir()
		f := bubbleFolder(root)
		f.Rescan = time.Hour
		s, _, _ := fakeWatcher(t, f)
		old := time.Now().Add(-time.Hour)
		p := filepath.Join(root, "quiet.txt")
		writeFile(t, p, 3)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
		time.Sleep(45*time.Minute - time.Second)
		synctest.Wait()
		if st := s.w.Status(); st.Scans != 1 {
			t.Fatalf("rescanned before 3/4 of the interval (scans %d)", st.Scans)
		}
		time.Sleep(30*time.Minute + 2*time.Second)
		synctest.Wait()
		if st := s.w.Status(); st.Scans != 2 {
			t.Fatalf("scans = %d by 5/4 of the interval, want 2", st.Scans)
		}
		if got := s.col.byPath(); got["quiet.txt"] != 1 {
			t.Fatalf("got %v", got)
		}
	})
}

// Emit failing stops the run (failed, with the reason); the restart's scan
// hands the file on again once Emit works.
func TestEmitFailureRestartsAndRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := t.TempDir()
		s, fn, fst := fakeWatcher(t, bubbleFolder(root))
		p := filepath.Join(root, "a.txt")
		writeFile(t, p, 5)
		info, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		fst.set(p, info.Size(), info.ModTime())
		s.col.mu.Lock()
		s.col.fail = errInjected
		s.col.mu.Unlock()
		changed := s.w.Changed()
		fn.ev <- fsnotify.Event{Name: p, Op: fsnotify.Create}
		time.Sleep(4 * time.Second)
		synctest.Wait()
		select {
		case <-changed:
		default:
			t.Fatal("Changed not closed on failure")
		}
		st := s.w.Status()
		if st.State != HealthFailed || !strings.Contains(st.Reason, "hand on 1 files: injected failure") {
			t.Fatalf("status %+v", st)
		}
		s.col.mu.Lock()
		s.col.fail = nil
		s.col.mu.Unlock()
		time.Sleep(time.Second) // past the restart backoff (≤ 200 ms here)
		synctest.Wait()
		// The real mtime lies in the bubble's future: one more quiet period.
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if st := s.w.Status(); st.State != HealthOK {
			t.Fatalf("after restart: %+v", st)
		}
		if got := s.col.byPath(); got["a.txt"] != 1 || len(got) != 1 {
			t.Fatalf("got %v", got)
		}
	})
}

// After an overflow the rescan re-adds every watch: a directory replaced
// while events were being lost has a dead watch the set cannot know about.
func TestOverflowRescanRewatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := t.TempDir()
		dir := filepath.Join(root, "d")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		_, fn, _ := fakeWatcher(t, bubbleFolder(root))
		fn.mu.Lock()
		watched := fn.dirs[dir]
		delete(fn.dirs, dir) // the kernel dropped it; no event said so
		fn.mu.Unlock()
		if !watched {
			t.Fatal("d was not watched after the startup scan")
		}
		fn.errs <- fsnotify.ErrEventOverflow
		time.Sleep(3 * time.Second)
		synctest.Wait()
		fn.mu.Lock()
		defer fn.mu.Unlock()
		if !fn.dirs[dir] {
			t.Fatal("rescan after overflow did not watch d again")
		}
	})
}

// Rescan runs a full scan at once and finds a file that produced no event.
func TestRescanOnRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := t.TempDir()
		s, _, _ := fakeWatcher(t, bubbleFolder(root))
		writeFile(t, filepath.Join(root, "silent.txt"), 2)
		s.w.Rescan()
		synctest.Wait()
		if st := s.w.Status(); st.Scans != 2 {
			t.Fatalf("scans = %d, want 2", st.Scans)
		}
		time.Sleep(2 * time.Second) // the real mtime lies in the bubble's future
		synctest.Wait()
		if got := s.col.byPath(); got["silent.txt"] != 1 {
			t.Fatalf("got %v", got)
		}
		if st := s.w.Status(); st.Scans != 2 {
			t.Fatalf("scans = %d, want no scan beyond the requested one", st.Scans)
		}
	})
}

// In a long burst the files written first go out about one quiet period
// after they settled, while the burst goes on, not after its end (issue
// 20); and still every file exactly once.
func TestLongBurstFirstFilesGoOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := t.TempDir()
		s, fn, _ := fakeWatcher(t, bubbleFolder(root))
		var all []string
		write := func(d int) {
			for i := range maxPendingEventsPerDir + 2 { // each folder collapses the events
				p := filepath.Join(root, fmt.Sprintf("d%02d", d), fmt.Sprintf("f%d", i))
				writeFile(t, p, i)
				all = append(all, p)
				fn.ev <- fsnotify.Event{Name: p, Op: fsnotify.Create}
			}
		}
		first := len(all)
		write(0)
		first = len(all) - first
		// Every 500 ms for 10 s: never quiet for a quiet period (2 s).
		for d := 1; d <= 20; d++ {
			time.Sleep(500 * time.Millisecond)
			write(d)
			synctest.Wait()
			if d == 12 { // 6 s in: three quiet periods after d00 was written
				got := s.col.byPath()
				n := 0
				for rel := range got {
					if strings.HasPrefix(rel, "d00/") {
						n++
					}
				}
				if n != first {
					t.Fatalf("6 s into the burst %d of the %d files written first were handed on", n, first)
				}
			}
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		got := s.col.byPath()
		if len(got) != len(all) {
			t.Fatalf("handed on %d of %d files", len(got), len(all))
		}
		for p, n := range got {
			if n != 1 {
				t.Fatalf("%s handed on %d times", p, n)
			}
		}
	})
}

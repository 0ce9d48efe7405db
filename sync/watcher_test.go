package sync

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"
)

// A burst of 10,000 files across 200 new nested folders, made after the
// watcher started, is reported exactly once per file.
func TestBurstAcrossNewNestedDirsReportedOnce(t *testing.T) {
	root := t.TempDir()
	s := startWatcher(t, fastFolder(root), nil, nil)
	waitScans(t, s.w, 1)

	want := map[string]int{}
	for d := range 200 {
		// 20 top folders, each a chain of 10 nested ones.
		dir := filepath.Join(root, fmt.Sprintf("top%02d", d/10))
		for i := range d%10 + 1 {
			dir = filepath.Join(dir, fmt.Sprintf("n%d", i))
		}
		for f := range 50 {
			p := filepath.Join(dir, fmt.Sprintf("f%02d.bin", f))
			writeFile(t, p, f)
			rel, _ := filepath.Rel(root, p)
			want[filepath.ToSlash(rel)] = f
		}
	}
	waitUntil(t, 60*time.Second, "10,000 files reported", func() bool { return len(s.col.byPath()) >= len(want) })
	// Give any duplicate a chance to show up: a few quiet periods and the
	// rescan the burst triggered.
	time.Sleep(5 * fastFolder(root).Quiet)
	got := s.col.snapshot()
	if len(got) != len(want) {
		for p, n := range s.col.byPath() {
			if n > 1 {
				for _, c := range got {
					if c.RelPath == p {
						t.Logf("duplicate %+v", c)
					}
				}
			}
		}
		t.Fatalf("got %d candidates for %d files", len(got), len(want))
	}
	for _, c := range got {
		size, ok := want[c.RelPath]
		if !ok || c.Size != int64(size) || c.Warning != "" || c.Folder != "test" || c.Root != root {
			t.Fatalf("unexpected candidate %+v (want size %d, known %v)", c, size, ok)
		}
		delete(want, c.RelPath)
	}
}

// A file written in several writes over more than a second is reported
// once, complete, after it settles.
func TestSlowWriterReportedOnceComplete(t *testing.T) {
	root := t.TempDir()
	f := fastFolder(root)
	f.Quiet = 400 * time.Millisecond
	f.MaxDelay = 20 * time.Second
	s := startWatcher(t, f, nil, nil)
	waitScans(t, s.w, 1)

	fh, err := os.Create(filepath.Join(root, "slow.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for range 12 {
		if _, err := fh.Write(make([]byte, 1000)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		if n := len(s.col.snapshot()); n != 0 {
			t.Fatalf("reported while still being written (%d candidates)", n)
		}
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "slow file reported", func() bool { return len(s.col.snapshot()) > 0 })
	time.Sleep(3 * f.Quiet)
	got := s.col.snapshot()
	if len(got) != 1 || got[0].RelPath != "slow.bin" || got[0].Size != 12000 || got[0].Warning != "" {
		t.Fatalf("got %+v, want one complete slow.bin of 12000 bytes", got)
	}
}

// A file that never settles goes after the max delay with a warning, and
// once it stops changing, its final state goes without one.
func TestNeverSettlingFileGoesAfterMaxDelayWithWarning(t *testing.T) {
	root := t.TempDir()
	f := fastFolder(root)
	f.Quiet = 300 * time.Millisecond
	f.MaxDelay = time.Second
	s := startWatcher(t, f, nil, nil)
	waitScans(t, s.w, 1)

	fh, err := os.Create(filepath.Join(root, "log.bin"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for time.Since(start) < 2500*time.Millisecond {
		if _, err := fh.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "forced then final report", func() bool {
		got := s.col.snapshot()
		return len(got) >= 2 && got[len(got)-1].Warning == ""
	})
	got := s.col.snapshot()
	if !strings.Contains(got[0].Warning, "kept changing for 1 s") {
		t.Fatalf("first report warning = %q, want the max-delay warning", got[0].Warning)
	}
	info, err := os.Stat(filepath.Join(root, "log.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if last := got[len(got)-1]; last.Size != info.Size() {
		t.Fatalf("final report size %d, file has %d", last.Size, info.Size())
	}
}

// With a sent index that matches the tree, a (re)start reports nothing; a
// file changed while the watcher was stopped is reported at start.
func TestRestartReportsOnlyFilesChangedWhileStopped(t *testing.T) {
	root := t.TempDir()
	for i := range 50 {
		writeFile(t, filepath.Join(root, fmt.Sprintf("d%d/f%d.txt", i%5, i)), 10+i)
	}
	old := time.Now().Add(-time.Hour)
	sent := sentFromDisk(t, root)

	s := startWatcher(t, fastFolder(root), sent, nil)
	waitScans(t, s.w, 1)
	time.Sleep(3 * fastFolder(root).Quiet)
	if got := s.col.snapshot(); len(got) != 0 {
		t.Fatalf("start with a matching sent index reported %d files: %+v", len(got), got[0])
	}
	s.stop()

	changed := filepath.Join(root, "d3", "f8.txt")
	writeFile(t, changed, 999)
	if err := os.Chtimes(changed, old, old); err != nil {
		t.Fatal(err)
	}
	s2 := startWatcher(t, fastFolder(root), sent, nil)
	waitScans(t, s2.w, 1)
	time.Sleep(3 * fastFolder(root).Quiet)
	got := s2.col.snapshot()
	if len(got) != 1 || got[0].RelPath != "d3/f8.txt" || got[0].Size != 999 || !got[0].ModTime.Equal(old) {
		t.Fatalf("got %+v, want only d3/f8.txt changed while stopped", got)
	}
}

// Ignored files and directories are never reported, and ignored
// directories are never watched, whether they exist at start or appear later.
func TestIgnoredNeverReportedNorWatched(t *testing.T) {
	root := t.TempDir()
	f := fastFolder(root)
	f.Ignore = []string{"# build output", "build/", "*.log", "!keep.tmp", "/only-top.txt"}
	writeFile(t, filepath.Join(root, "build", "a.bin"), 1)
	writeFile(t, filepath.Join(root, "x.part"), 1)
	writeFile(t, filepath.Join(root, "kept.txt"), 1)
	var wn *wrapNotifier
	s := startWatcher(t, f, nil, func(w *Watcher) {
		mk := newWrapNotifier(0, nil)
		w.newNotifier = func() (notifier, error) {
			n, err := mk()
			if err == nil {
				wn = n.(*wrapNotifier)
			}
			return n, err
		}
	})
	waitScans(t, s.w, 1)

	for _, p := range []string{
		"build/later.bin", "sub/build/deep.bin", "sub/app.log", "sub/.DS_Store", "sub/Thumbs.db",
		"sub/~$report.docx", "sub/.~lock.sheet.ods#", "sub/dl.crdownload", "sub/notes.txt~", "sub/x.tmp",
		"only-top.txt", "sub/desktop.ini",
	} {
		writeFile(t, filepath.Join(root, p), 3)
	}
	writeFile(t, filepath.Join(root, "sub", "only-top.txt"), 3) // anchored pattern: not ignored below the top
	writeFile(t, filepath.Join(root, "sub", "keep.tmp"), 3)     // re-included over the defaults
	writeFile(t, filepath.Join(root, "sub", "ok.txt"), 3)
	want := map[string]int{"kept.txt": 1, "sub/only-top.txt": 1, "sub/keep.tmp": 1, "sub/ok.txt": 1}
	waitUntil(t, 10*time.Second, "the non-ignored files", func() bool { return len(s.col.byPath()) >= len(want) })
	time.Sleep(5 * f.Quiet)
	if got := s.col.byPath(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("reported %v, want %v", got, want)
	}
	for _, d := range wn.addedDirs() {
		if strings.Contains(d, "build") {
			t.Fatalf("ignored directory %s was watched", d)
		}
	}
}

// A tree moved in after start (its nested folders and files existed before
// any watch could be attached) and a mkdir -p chain written at once are
// found completely.
func TestNewNestedDirsFoundIncludingFilesBeforeWatch(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	s := startWatcher(t, fastFolder(root), nil, nil)
	waitScans(t, s.w, 1)

	want := map[string]int{}
	for i := range 30 {
		p := fmt.Sprintf("moved/a%d/b/c/f%d.txt", i%3, i)
		writeFile(t, filepath.Join(outside, p), i)
		want[p] = 1
	}
	if err := os.Rename(filepath.Join(outside, "moved"), filepath.Join(root, "moved")); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		p := fmt.Sprintf("made/x/y/z/g%d.txt", i)
		writeFile(t, filepath.Join(root, p), i)
		want[p] = 1
	}
	waitUntil(t, 10*time.Second, "all files in new dirs", func() bool { return len(s.col.byPath()) >= len(want) })
	time.Sleep(5 * fastFolder(root).Quiet)
	if got := s.col.byPath(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("reported %v, want %v", got, want)
	}
	// The new directories are watched: a later file deep inside is seen.
	writeFile(t, filepath.Join(root, "moved/a1/b/c/late.txt"), 5)
	waitUntil(t, 10*time.Second, "late file", func() bool { return s.col.byPath()["moved/a1/b/c/late.txt"] == 1 })
}

// NFD names (as macOS writes them) become NFC RelPaths, both when found by
// the startup scan and when seen through events; Path keeps the disk name.
func TestNFDNamesBecomeNFC(t *testing.T) {
	root := t.TempDir()
	nfdDir, nfdFile := "Re\u0301sume\u0301s", "cafe\u0301.txt"
	writeFile(t, filepath.Join(root, nfdDir, nfdFile), 4)
	s := startWatcher(t, fastFolder(root), nil, nil)
	waitScans(t, s.w, 1)
	writeFile(t, filepath.Join(root, nfdDir, "n\u0303o.txt"), 5)

	want := map[string]string{
		"R\u00e9sum\u00e9s/caf\u00e9.txt": filepath.Join(root, nfdDir, nfdFile),
		"R\u00e9sum\u00e9s/\u00f1o.txt":   filepath.Join(root, nfdDir, "n\u0303o.txt"),
	}
	waitUntil(t, 10*time.Second, "both NFD files", func() bool { return len(s.col.snapshot()) >= 2 })
	time.Sleep(3 * fastFolder(root).Quiet)
	got := s.col.snapshot()
	if len(got) != 2 {
		t.Fatalf("got %d candidates, want 2: %+v", len(got), got)
	}
	for _, c := range got {
		if want[c.RelPath] != c.Path {
			t.Fatalf("candidate RelPath %q Path %q; want NFC rel paths mapping to disk paths %q", c.RelPath, c.Path, want)
		}
		if _, err := os.Stat(c.Path); err != nil {
			t.Fatalf("Path does not open: %v", err)
		}
	}
}

// The startup scan's progress counts directories, files and candidates, and
// Candidates reach Emit in batches of at most Options.BatchSize.
func TestScanProgressAndBatchSize(t *testing.T) {
	root := t.TempDir()
	for d := range 3 {
		for f := range 10 {
			writeFile(t, filepath.Join(root, fmt.Sprintf("d%d", d), fmt.Sprintf("f%d.txt", f)), f)
		}
		writeFile(t, filepath.Join(root, fmt.Sprintf("d%d", d), "skip.tmp"), 1)
	}
	sent := sentFromDisk(t, root)
	for rel := range sent.m {
		if rel != "d1/f1.txt" && rel != "d2/f2.txt" {
			delete(sent.m, rel) // 28 new files, 2 already sent
		}
	}
	var sizes []int
	var mu gosync.Mutex
	w, err := New(fastFolder(root), Options{Sent: sent, BatchSize: 7, Emit: func(_ context.Context, b []Candidate) error {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, len(b))
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	changed := w.Changed()
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	<-changed // the scan started
	waitScans(t, w, 1)
	st := w.Status()
	if st.Scan.Running || st.Scan.Dirs != 4 || st.Scan.Files != 30 || st.Scan.Candidates != 28 {
		t.Fatalf("progress %+v, want 4 dirs, 30 files, 28 candidates, not running", st.Scan)
	}
	waitUntil(t, 10*time.Second, "28 candidates", func() bool {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, s := range sizes {
			n += s
		}
		return n == 28
	})
	mu.Lock()
	defer mu.Unlock()
	for _, s := range sizes {
		if s < 1 || s > 7 {
			t.Fatalf("batch sizes %v, want each 1..7", sizes)
		}
	}
}

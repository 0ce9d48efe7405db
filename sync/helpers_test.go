package sync

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// collector records every Candidate handed on, in order.
type collector struct {
	mu    gosync.Mutex
	all   []Candidate
	calls int
	fail  error // returned by emit while set
}

func (c *collector) emit(ctx context.Context, b []Candidate) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	c.calls++
	c.all = append(c.all, b...)
	return nil
}

func (c *collector) snapshot() []Candidate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Candidate(nil), c.all...)
}

// byPath counts candidates per RelPath.
func (c *collector) byPath() map[string]int {
	m := map[string]int{}
	for _, cand := range c.snapshot() {
		m[cand.RelPath]++
	}
	return m
}

// mapSent is a SentIndex over a map, safe for concurrent use.
type mapSent struct {
	mu gosync.Mutex
	m  map[string]stamp
}

func (s *mapSent) Sent(rel string) (int64, time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[rel]
	return st.size, st.mtime, ok, nil
}

// sentFromDisk builds a sent index that matches every regular file under root.
func sentFromDisk(t testing.TB, root string) *mapSent {
	t.Helper()
	s := &mapSent{m: map[string]stamp{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		s.m[nfc(filepath.ToSlash(rel))] = stamp{info.Size(), info.ModTime()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fastFolder is a folder config with timings short enough for tests.
func fastFolder(root string) Folder {
	return Folder{
		ID: "test", Root: root, Enabled: true,
		Quiet: 100 * time.Millisecond, MaxDelay: 5 * time.Second,
		Rescan: time.Hour, DegradedRescan: 300 * time.Millisecond,
	}
}

// started is a running watcher with its collector and a stop function that
// waits for Run to return.
type started struct {
	w    *Watcher
	col  *collector
	stop func()
}

func startWatcher(t testing.TB, f Folder, sent SentIndex, tweak func(*Watcher)) *started {
	t.Helper()
	col := &collector{}
	opts := Options{Emit: col.emit, RestartMin: 50 * time.Millisecond, RestartMax: 200 * time.Millisecond}
	if sent != nil {
		opts.Sent = sent
	}
	w, err := New(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(w)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	s := &started{w: w, col: col}
	var once gosync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run returned %v", err)
			}
		})
	}
	t.Cleanup(s.stop)
	return s
}

// waitUntil polls cond every 10 ms until it holds or the timeout passes.
func waitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitScans waits until at least n full scans completed.
func waitScans(t testing.TB, w *Watcher, n int) {
	t.Helper()
	waitUntil(t, 30*time.Second, "full scan", func() bool { return w.Status().Scans >= n })
}

// writeFile creates path with size zero bytes, atomically: written under
// a ".part" name (ignored by default) and renamed into place. On this shared
// machine a writer can stall between create and write for longer than the
// tests' short quiet periods, and the empty file would then rightly be
// handed on as settled; tests of in-place writing write in place on purpose.
func writeFile(t testing.TB, path string, size int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".part", make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".part", path); err != nil {
		t.Fatal(err)
	}
}

// wrapNotifier wraps a real notifier: Add can be made to fail with a chosen
// error after some successes, Add calls are recorded, and errors can be
// injected into the Errors stream.
type wrapNotifier struct {
	notifier
	mu       gosync.Mutex
	added    []string
	okLeft   int   // Adds that still succeed when failWith is set
	failWith error // error for Adds beyond okLeft
	errs     chan error
}

func newWrapNotifier(okLeft int, failWith error) func() (notifier, error) {
	return func() (notifier, error) {
		n, err := newFSNotifier()
		if err != nil {
			return nil, err
		}
		wn := &wrapNotifier{notifier: n, okLeft: okLeft, failWith: failWith, errs: make(chan error)}
		go func() {
			for err := range n.Errors() {
				wn.errs <- err
			}
			close(wn.errs)
		}()
		return wn, nil
	}
}

func (n *wrapNotifier) Add(dir string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failWith != nil {
		if n.okLeft <= 0 {
			return n.failWith
		}
		n.okLeft--
	}
	n.added = append(n.added, dir)
	return n.notifier.Add(dir)
}

func (n *wrapNotifier) Errors() <-chan error { return n.errs }

func (n *wrapNotifier) addedDirs() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.added...)
}

// fakeNotifier carries synthetic events; nothing touches the kernel, so it
// works inside a synctest bubble.
type fakeNotifier struct {
	ev   chan fsnotify.Event
	errs chan error
	mu   gosync.Mutex
	dirs map[string]bool
}

func newFakeNotifier() *fakeNotifier {
	return &fakeNotifier{ev: make(chan fsnotify.Event), errs: make(chan error), dirs: map[string]bool{}}
}

func (n *fakeNotifier) Add(dir string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.dirs[dir] = true
	return nil
}

func (n *fakeNotifier) Remove(dir string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.dirs[dir] {
		return fsnotify.ErrNonExistentWatch
	}
	delete(n.dirs, dir)
	return nil
}
func (n *fakeNotifier) Events() <-chan fsnotify.Event { return n.ev }
func (n *fakeNotifier) Errors() <-chan error          { return n.errs }
func (n *fakeNotifier) Close() error                  { return nil }

// fakeInfo is a FileInfo with a chosen size and mtime.
type fakeInfo struct {
	name  string
	size  int64
	mtime time.Time
}

func (f fakeInfo) Name() string       { return f.name }
func (f fakeInfo) Size() int64        { return f.size }
func (f fakeInfo) Mode() fs.FileMode  { return 0o644 }
func (f fakeInfo) ModTime() time.Time { return f.mtime }
func (f fakeInfo) IsDir() bool        { return false }
func (f fakeInfo) Sys() any           { return nil }

// fakeStat serves fake file states for chosen paths and the real lstat
// for everything else.
type fakeStat struct {
	mu    gosync.Mutex
	files map[string]fakeInfo
}

func (s *fakeStat) set(path string, size int64, mtime time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files == nil {
		s.files = map[string]fakeInfo{}
	}
	s.files[path] = fakeInfo{filepath.Base(path), size, mtime}
}

func (s *fakeStat) lstat(path string) (fs.FileInfo, error) {
	s.mu.Lock()
	fi, ok := s.files[path]
	s.mu.Unlock()
	if ok {
		return fi, nil
	}
	return os.Lstat(path)
}

var errInjected = errors.New("injected failure")

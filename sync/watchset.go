package sync

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/fsnotify/fsnotify"
)

// watchSet tracks which directories are watched. Scan goroutines add, the
// owner goroutine removes; the mutex guards every field.
type watchSet struct {
	mu       sync.Mutex
	n        notifier            // nil when no watcher could be created (scan-only mode)
	dirs     map[string]struct{} // absolute on-disk paths
	limitHit bool                // an Add failed with the watch limit since the last reset
	otherErr error               // first unexpected Add failure since the last reset
}

func newWatchSet(n notifier) *watchSet {
	return &watchSet{n: n, dirs: make(map[string]struct{})}
}

// add watches dir unless it is already watched or the limit was hit (every
// further Add would fail the same way, one syscall per directory for
// nothing). A directory that vanished before it could be watched is not an
// error: the scan of its parent will not find it either.
func (s *watchSet) add(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dirs[dir]; ok || s.limitHit || s.n == nil {
		return
	}
	err := s.n.Add(dir)
	switch {
	case err == nil:
		s.dirs[dir] = struct{}{}
	case isWatchLimit(err):
		s.limitHit = true
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
	default:
		if s.otherErr == nil {
			s.otherErr = err
		}
	}
}

// setNotifier attaches the watcher once one could be created.
func (s *watchSet) setNotifier(n notifier) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n = n
}

func (s *watchSet) has(dir string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.dirs[dir]
	return ok
}

func (s *watchSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.dirs)
}

// problems returns whether the limit was hit and the first other Add error
// since the last reset.
func (s *watchSet) problems() (limitHit bool, other error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limitHit, s.otherErr
}

// reset forgets past Add failures, so the next full scan tries again: if the
// user raised the limit, the watcher heals without a restart.
func (s *watchSet) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limitHit, s.otherErr = false, nil
}

// removeTree unwatches dir and everything below it (a removed or moved-away
// directory). The kernel drops watches of deleted directories by itself, so
// ErrNonExistentWatch is the expected answer there; any other error is
// returned after the rest were removed.
func (s *watchSet) removeTree(dir string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	prefix := dir + string(filepath.Separator)
	for d := range s.dirs {
		if d != dir && !strings.HasPrefix(d, prefix) {
			continue
		}
		delete(s.dirs, d)
		if err := s.n.Remove(d); err != nil && !errors.Is(err, fsnotify.ErrNonExistentWatch) && first == nil {
			first = err
		}
	}
	return first
}

// forget empties the set without unwatching anything, so the next scan adds
// every directory again. Adding a watched directory is harmless (the kernel
// returns the same watch); adding one that was replaced revives its watch.
func (s *watchSet) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.dirs)
}

package sync

import (
	"sync"
	"sync/atomic"
	"time"
)

// HealthState is the watcher's state as the UI shows it.
type HealthState int

const (
	HealthStopped  HealthState = iota // not running (never started, disabled, or Run returned)
	HealthStarting                    // running its startup scan
	HealthOK                          // every directory is watched
	HealthDegraded                    // watching part of the tree or nothing; periodic scans cover the rest (see Reason)
	HealthFailed                      // not watching at all; Reason says why; Run retries with backoff
)

func (s HealthState) String() string {
	switch s {
	case HealthStopped:
		return "stopped"
	case HealthStarting:
		return "starting"
	case HealthOK:
		return "ok"
	case HealthDegraded:
		return "degraded"
	case HealthFailed:
		return "failed"
	}
	return "unknown"
}

// ScanProgress counts the work of the current (or last) full scan, for the
// "scanning: 12,345 files" line (EXPECTATIONS complaint 15).
type ScanProgress struct {
	Running    bool  // a full scan is in progress
	Dirs       int64 // directories read so far
	Files      int64 // regular, non-ignored files seen so far
	Candidates int64 // files found new or changed against the sent index
}

// Status is a snapshot of one watcher's health and counters.
type Status struct {
	Folder   string
	State    HealthState
	Reason   string    // why degraded or failed, written for a person; "" otherwise
	Since    time.Time // when State or Reason last changed
	Watches  int       // directories watched
	Pending  int       // paths waiting in the aggregator
	Skipped  int       // symlinks, FIFOs, sockets, devices and unreadable directories, each counted once
	Scans    int       // full scans completed since the watcher was made
	LastScan time.Time // end of the last complete full scan
	Scan     ScanProgress
}

// statusBox publishes Status. The owner goroutine writes; anyone reads.
// changed is closed and replaced on every State/Reason change and at the
// start and end of full scans, so a reader can wait without polling.
type statusBox struct {
	mu      sync.Mutex // guards st and changed
	st      Status
	changed chan struct{}

	// Scan counters are bumped by scan goroutines without the lock.
	dirs, files, cands atomic.Int64
}

func newStatusBox(folder string) *statusBox {
	return &statusBox{st: Status{Folder: folder}, changed: make(chan struct{})}
}

func (b *statusBox) snapshot() Status {
	b.mu.Lock()
	st := b.st
	b.mu.Unlock()
	st.Scan.Dirs, st.Scan.Files, st.Scan.Candidates = b.dirs.Load(), b.files.Load(), b.cands.Load()
	return st
}

func (b *statusBox) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

// setState records a health change and wakes waiters; a repeat of the
// current state and reason is not a change (no notification spam).
func (b *statusBox) setState(s HealthState, reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.st.State == s && b.st.Reason == reason {
		return
	}
	b.st.State, b.st.Reason, b.st.Since = s, reason, time.Now()
	b.notifyLocked()
}

// update changes counters without waking waiters (they change per event).
func (b *statusBox) update(f func(*Status)) {
	b.mu.Lock()
	f(&b.st)
	b.mu.Unlock()
}

// scanStarted resets the progress counters and wakes waiters.
func (b *statusBox) scanStarted() {
	b.dirs.Store(0)
	b.files.Store(0)
	b.cands.Store(0)
	b.mu.Lock()
	b.st.Scan.Running = true
	b.notifyLocked()
	b.mu.Unlock()
}

// scanEnded marks a full scan finished (complete when ok) and wakes waiters.
func (b *statusBox) scanEnded(ok bool) {
	b.mu.Lock()
	b.st.Scan.Running = false
	if ok {
		b.st.Scans++
		b.st.LastScan = time.Now()
	}
	b.notifyLocked()
	b.mu.Unlock()
}

func (b *statusBox) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

package sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
)

// run is the state of one attempt of Watcher.Run, between a (re)start and a
// failure. Everything in it belongs to the owner goroutine.
type run struct {
	w  *Watcher
	f  Folder
	n  notifier // nil when no watcher could be created (scan-only)
	ws *watchSet

	noWatchReason string // why n is nil
	reason        string // current degraded reason, "" when healthy
	started       bool   // the startup scan completed
	loggedSkipped int    // Status.Skipped when last logged: one line per change, not per file
	healthy       func() // called once the startup scan completed (resets the restart backoff)

	agg // pending paths, timers, output

	periodic *time.Timer // next full rescan

	// The root's identity when the run began, and the ticker that checks
	// it (see rootReplaced).
	rootID    os.FileInfo
	rootCheck *time.Ticker

	// Scans: at most one scanner at a time; requests queue up meanwhile.
	scanCh    chan scanMsg
	scanning  bool
	scanFull  bool
	scanStart time.Time
	// lastFullScan is how long the last complete full scan took.
	lastFullScan time.Duration
	wantFull     bool
	wantDirs     []dirRef
	rewatch      bool // the next full scan re-adds every watch (events were lost)
	scanCancel   context.CancelFunc
	scanExited   chan struct{}
}

// runOnce watches until ctx ends (returning ctx.Err()) or something fails
// (returning why). It always starts with a full scan.
func (w *Watcher) runOnce(ctx context.Context, healthy func()) error {
	if err := w.checkRoot(); err != nil {
		return err
	}
	rootID, err := os.Stat(w.folder.Root)
	if err != nil {
		return fmt.Errorf("folder %s cannot be read: %w", w.folder.Root, err)
	}
	w.box.setState(HealthStarting, "")
	r := &run{w: w, f: w.folder, healthy: healthy, scanCh: make(chan scanMsg, 4), rootID: rootID}
	r.rootCheck = time.NewTicker(rootCheckEvery(w.folder.Quiet))
	defer r.rootCheck.Stop()
	r.agg.init(r)
	r.ws = newWatchSet(nil)
	r.attach()
	defer func() {
		if r.n == nil {
			return
		}
		if err := r.n.Close(); err != nil {
			w.log.Warn("close file watcher", "err", err)
		}
	}()
	r.periodic = time.NewTimer(time.Hour)
	r.periodic.Stop()
	defer r.periodic.Stop()
	defer r.stopScan()

	r.wantFull = true
	for {
		r.startScan(ctx)
		r.publish()
		var (
			events <-chan fsnotify.Event // nil (never ready) in scan-only mode
			errs   <-chan error
			err    error
		)
		if r.n != nil {
			events, errs = r.n.Events(), r.n.Errors()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-events:
			if !ok {
				return errors.New("watch: event stream closed")
			}
			err = r.onEvent(ev, time.Now())
		case werr, ok := <-errs:
			if !ok {
				return errors.New("watch: error stream closed")
			}
			r.onWatchError(werr, time.Now())
		case m := <-r.scanCh:
			err = r.onScan(ctx, m, time.Now())
		case <-r.wake.C:
			r.armed = false
			// Before a batch of settled files goes out: files written
			// into a replaced root would never be seen otherwise.
			if err = r.rootReplaced(); err == nil {
				err = r.onWake(time.Now())
			}
		case <-r.periodic.C:
			r.wantFull = true
		case <-r.w.rescan:
			r.wantFull = true
		case <-r.rootCheck.C:
			err = r.rootReplaced()
		}

		if err == nil && !r.moreScanWaiting() {
			err = r.flush(ctx)
		}
		if err != nil {
			return err
		}
	}
}

// rootCheckEvery is how often the root's identity is checked while nothing
// happens: a quiet period, within 1 to 10 seconds (one stat each time).
func rootCheckEvery(quiet time.Duration) time.Duration {
	return min(max(quiet, time.Second), 10*time.Second)
}

// rootReplaced fails the run when the root is no longer the directory it
// began with (device and inode; the file index on Windows, through
// os.SameFile). A folder deleted and made anew while some process has its
// working directory inside it sends no delete event (the kernel keeps the
// old directory alive, with Ferry's watches on it), so only this check
// notices; the restart watches and scans the new folder.
func (r *run) rootReplaced() error {
	if err := r.w.checkRoot(); err != nil {
		return err
	}
	now, err := os.Stat(r.f.Root)
	if err != nil {
		return fmt.Errorf("folder %s cannot be read: %w", r.f.Root, err)
	}
	if !os.SameFile(r.rootID, now) {
		r.w.log.Info("folder was deleted and made anew; watching it anew", "path", r.f.Root)
		return fmt.Errorf("folder %s was replaced by a new folder of the same name; watching it anew", r.f.Root)
	}
	return nil
}

// attach creates the file watcher; without one the run goes on with scans
// only, and each full scan tries again.
func (r *run) attach() {
	n, err := r.w.newNotifier()
	if err != nil {
		if r.noWatchReason == "" {
			r.w.log.Warn("cannot create a file watcher; scanning periodically instead", "err", err)
		}
		r.noWatchReason = instanceLimitReason(err, r.f.DegradedRescan)
		return
	}
	r.n, r.noWatchReason = n, ""
	r.ws.setNotifier(n)
}

// publish copies the owner's counters into the status box.
func (r *run) publish() {
	pending, watches := len(r.pending), r.ws.len()
	r.w.box.update(func(s *Status) { s.Pending, s.Watches = pending, watches })
}

// startScan starts the queued scan work unless a scan is running. A queued
// full scan absorbs queued directory scans.
func (r *run) startScan(ctx context.Context) {
	if r.scanning || (!r.wantFull && len(r.wantDirs) == 0) {
		return
	}
	full, starts := r.wantFull, r.wantDirs
	if full {
		starts = []dirRef{{abs: r.f.Root}}
		if r.n == nil && r.started {
			r.attach() // the instance limit may have been raised, or another program quit
		}
		r.ws.reset()
		if r.rewatch {
			r.ws.forget()
			r.rewatch = false
		}
		r.w.gen++
		r.w.box.scanStarted()
		r.periodic.Stop()
	}
	r.wantFull, r.wantDirs = false, nil
	r.scanning, r.scanFull, r.scanStart = true, full, time.Now()
	r.w.log.Debug("scan started", "full", full, "dirs", len(starts))

	sctx, cancel := context.WithCancel(ctx)
	exited := make(chan struct{})
	r.scanCancel, r.scanExited = cancel, exited
	sc := &scanner{ign: r.w.ign, sent: r.w.opts.Sent, ws: r.ws, box: r.w.box, out: r.scanCh}
	go func() {
		defer close(exited)
		err := sc.walk(sctx, starts, full)
		select {
		case r.scanCh <- scanMsg{done: true, err: err}:
		case <-sctx.Done():
		}
	}()
}

// stopScan cancels a running scan and waits for its goroutine, so no scan
// outlives the run that started it.
func (r *run) stopScan() {
	if !r.scanning {
		return
	}
	r.scanCancel()
	<-r.scanExited
	r.scanning = false
	if r.scanFull {
		r.w.box.scanEnded(false)
	}
}

// onScan takes a scan's findings; on the final message it hands on what
// the scan found and is still in the batch, then settles health: a scan is
// reported complete only once everything it found was handed on.
func (r *run) onScan(ctx context.Context, m scanMsg, now time.Time) error {
	for _, rel := range m.skipped {
		r.w.skip(rel)
	}
	for _, rel := range m.twins {
		if _, ok := r.w.skipped[rel]; !ok {
			r.w.log.Warn("two folders have names equal in Unicode NFC (accents encoded differently); nothing below them is uploaded until one is renamed", "path", rel)
		}
		r.w.skip(rel)
	}
	// Most findings of a first scan are handed on: room for them at once
	// rather than by doubling (a tenth of a 100,000-file scan's garbage).
	r.out = slices.Grow(r.out, len(m.files))
	for _, f := range m.files {
		if err := r.onFound(f, now); err != nil {
			return err
		}
	}
	if !m.done {
		return nil
	}
	if m.err == nil {
		if err := r.flush(ctx); err != nil {
			return err
		}
	}
	r.scanning = false
	r.scanCancel()
	full := r.scanFull
	r.w.log.Debug("scan finished", "full", full, "took", time.Since(r.scanStart), "err", m.err)
	if m.err != nil {
		if full {
			r.w.box.scanEnded(false)
		}
		if rerr := r.w.checkRoot(); rerr != nil {
			return rerr
		}
		return m.err
	}
	if full {
		r.lastFullScan = time.Since(r.scanStart)
		r.w.pruneHanded()
		if n := len(r.w.skipped); n != r.loggedSkipped {
			r.loggedSkipped = n
			r.w.log.Info("skipping entries that are not regular files (symlinks are not followed) or cannot be read", "count", n)
		}
		if !r.started {
			r.started = true
			r.healthy()
		}
	}
	r.updateHealth(full)
	if full {
		r.periodic.Reset(jitter(r.interval()))
		// Last, so a reader who sees Scans go up also sees the health the
		// scan established.
		r.w.box.scanEnded(true)
	}
	return nil
}

// updateHealth derives the state from the watch set's problems. Problems
// only clear at the end of a full scan, which retried every directory.
func (r *run) updateHealth(full bool) {
	limitHit, other := r.ws.problems()
	reason := ""
	switch {
	case r.n == nil:
		reason = r.noWatchReason
	case limitHit:
		reason = watchLimitReason(r.f.DegradedRescan)
	case other != nil:
		reason = fmt.Sprintf("cannot watch every directory (%v): scanning every %s instead", other, humanDuration(r.f.DegradedRescan))
	}
	if reason == "" && (!full || !r.started) {
		return
	}
	if reason != r.reason && reason != "" {
		r.w.log.Warn("folder watching degraded", "reason", reason)
		if !full { // bring the next scan forward to the degraded interval
			r.periodic.Reset(jitter(r.f.DegradedRescan))
		}
	}
	r.reason = reason
	if reason != "" {
		r.w.box.setState(HealthDegraded, reason)
	} else {
		r.w.box.setState(HealthOK, "")
	}
}

func (r *run) interval() time.Duration {
	if r.reason != "" {
		return r.f.DegradedRescan
	}
	return r.f.Rescan
}

// onWatchError turns a watcher error into a rescan: overflow means events
// were dropped, and any other error may have lost some too.
func (r *run) onWatchError(err error, now time.Time) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		r.w.log.Info("file watcher queue overflowed; rescanning the folder")
	} else {
		r.w.log.Warn("file watcher error; rescanning the folder", "err", err)
	}
	// Lost events may include a directory deleted and made anew under the
	// same name, whose old watch died with it: the rescan watches every
	// directory again rather than trusting the watch set.
	r.rewatch = true
	r.collapse(now)
}

// pruneHanded forgets files the last full scan no longer saw as differing
// from the sent index: uploaded since, or deleted. Keeps the memory bounded
// by the files still in flight.
func (w *Watcher) pruneHanded() {
	for rel, h := range w.handed {
		if h.gen != uint16(w.gen) {
			delete(w.handed, rel)
		}
	}
}

// moreScanWaiting reports whether the batch may wait for the scan message
// already queued: a scan of 100,000 files then hands them on in batches of
// BatchSize, one queue commit each, instead of one per scan message.
func (r *run) moreScanWaiting() bool {
	return r.scanning && len(r.scanCh) > 0 && len(r.out) < r.w.opts.BatchSize
}

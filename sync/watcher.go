package sync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Options wires a Watcher to the rest of the app.
type Options struct {
	Sent       SentIndex    // last good uploads of this folder; nil means nothing was ever sent
	Emit       EmitFunc     // required: receives the batches of Candidates
	Log        *slog.Logger // nil discards; never receives file contents or secrets
	BatchSize  int          // most Candidates per Emit call; 0 = DefaultBatchSize
	RestartMin time.Duration
	RestartMax time.Duration // backoff bounds between failed runs; 0 = DefaultRestartMin/Max

	// Renamed, when set, is told the slash-separated NFC path below the
	// root of each file or folder renamed or moved away (an fsnotify
	// Rename of its old name; the new name arrives as a Create and, once
	// settled, as a Candidate). It runs on the owner goroutine and must
	// not block. The app pairs it with the Candidate to move the file on
	// the server instead of uploading it again.
	Renamed func(relPath string)

	// Removed, when set, is told the slash-separated NFC path below the
	// root of each file or folder removed while this watcher watches it
	// (an fsnotify Remove: a delete, or the second half of a copy and
	// delete). Only this folder's removals are reported, so the app can
	// pair one with a new file of the same content in this folder and
	// never with a file of another folder. It runs on the owner goroutine
	// and must not block. Deletes are still not mirrored.
	Removed func(relPath string)
}

// Watcher watches one folder: recursive fsnotify watches, the aggregator and
// stability gate, startup and periodic scans, and its health. Make it with
// New; Run it once at a time; read Status and Changed from any goroutine.
type Watcher struct {
	folder  Folder
	opts    Options
	log     *slog.Logger
	ign     *Ignore
	box     *statusBox
	running atomic.Bool
	rescan  chan struct{} // capacity 1: requests coalesce

	// Seams for tests: a notifier whose Add fails like a full watch table,
	// or that carries synthetic events; a stat with fake file states.
	newNotifier func() (notifier, error)
	lstat       func(string) (fs.FileInfo, error)

	// Owned by the goroutine inside Run; they survive a restart after a
	// failure, so files handed on before it are not handed on again.
	handed  map[string]handedEntry // NFC rel path → what was handed on
	gen     uint64                 // full-scan generation, for pruning handed
	skipped map[string]struct{}    // NFC rel paths counted in Status.Skipped
}

// New checks the folder config, fills in defaults and returns a stopped
// watcher. It fails on an invalid config or a missing Emit; it does not
// touch the file system (a missing root is a runtime state, see Run).
func New(f Folder, o Options) (*Watcher, error) {
	f, err := f.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.Emit == nil {
		return nil, fmt.Errorf("folder watcher %s: Options.Emit is nil", f.ID)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.RestartMin <= 0 {
		o.RestartMin = DefaultRestartMin
	}
	if o.RestartMax < o.RestartMin {
		o.RestartMax = max(DefaultRestartMax, o.RestartMin)
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watcher{
		folder:      f,
		opts:        o,
		log:         log.With("folder", f.ID),
		ign:         NewIgnore(f.Ignore),
		box:         newStatusBox(f.ID),
		rescan:      make(chan struct{}, 1),
		newNotifier: newFSNotifier,
		lstat:       os.Lstat,
		handed:      make(map[string]handedEntry),
		skipped:     make(map[string]struct{}),
	}, nil
}

// Folder returns the config with defaults filled in.
func (w *Watcher) Folder() Folder { return w.folder }

// Status returns a snapshot of health, counters and scan progress. While
// Status().Scan.Running is true the progress counters move without a
// notification on Changed; a UI refreshes them on its own tick.
func (w *Watcher) Status() Status { return w.box.snapshot() }

// Rescan asks the running watcher for a full scan now (a "scan now"
// button, or the app after the sent index was reset). It never blocks;
// requests made while one is pending coalesce, and a request made while the
// watcher is stopped runs when it starts (after its startup scan).
func (w *Watcher) Rescan() {
	select {
	case w.rescan <- struct{}{}:
	default:
	}
}

// Changed returns a channel that is closed at the next health change (state
// or reason) or at the start or end of a full scan. Take a new channel after
// each wake-up; reading Status first and then waiting can miss nothing,
// since a change in between closes the channel taken before it.
func (w *Watcher) Changed() <-chan struct{} { return w.box.wait() }

// Run watches the folder until ctx ends, then returns nil. It returns at
// once (nil) for a disabled folder, and an error only if the watcher is
// already running. Everything that goes wrong while running (the root
// vanishes, the sent index or Emit fails) is reported as HealthFailed with a
// reason, and Run starts over with exponential backoff (Options.RestartMin
// to RestartMax), beginning with a full scan; the backoff resets once a
// startup scan completes.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.folder.Enabled {
		w.box.setState(HealthStopped, "disabled")
		return nil
	}
	if !w.running.CompareAndSwap(false, true) {
		return fmt.Errorf("run folder watcher %s: already running", w.folder.ID)
	}
	defer w.running.Store(false)
	defer w.box.setState(HealthStopped, "")

	b := &backoff.ExponentialBackOff{
		InitialInterval:     w.opts.RestartMin,
		RandomizationFactor: 0.2,
		Multiplier:          2,
		MaxInterval:         w.opts.RestartMax,
	}
	b.Reset()
	for {
		err := w.runOnce(ctx, b.Reset)
		if ctx.Err() != nil {
			return nil
		}
		wait := b.NextBackOff()
		w.box.setState(HealthFailed, err.Error())
		w.log.Warn("folder watcher failed; restarting", "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// errRootGone marks a failure because the root is missing or not a directory.
var errRootGone = errors.New("folder is gone")

// checkRoot returns nil if the root is a directory. The root itself may be a
// symlink to a directory (a user's choice); links below it are not followed.
func (w *Watcher) checkRoot() error {
	info, err := os.Stat(w.folder.Root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("folder %s no longer exists; waiting for it to come back: %w", w.folder.Root, errRootGone)
	case err != nil:
		return fmt.Errorf("folder %s cannot be read: %w", w.folder.Root, err)
	case !info.IsDir():
		return fmt.Errorf("folder %s is not a directory: %w", w.folder.Root, errRootGone)
	}
	return nil
}

// skip counts a path in Status.Skipped once, however often it is seen.
func (w *Watcher) skip(rel string) {
	if _, ok := w.skipped[rel]; ok {
		return
	}
	w.skipped[rel] = struct{}{}
	n := len(w.skipped)
	w.box.update(func(s *Status) { s.Skipped = n })
}

// jitter spreads d over 3/4..5/4, so many folders (and many machines) do
// not rescan in lockstep.
func jitter(d time.Duration) time.Duration {
	return d*3/4 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// forcedWarning is the Candidate.Warning for a file that never settled.
func forcedWarning(maxDelay time.Duration) string {
	return "file kept changing for " + humanDuration(maxDelay) + "; uploaded as it was then"
}

package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/transfer/queue"
	"github.com/ferry-sync/ferry/ui"
)

// guiBackend is ui.Backend over the engine runtime: the engine and queue
// for transfers, the config file and the secrets store for targets,
// folders and settings, and the folder watchers. Every method is safe from
// any goroutine; the UI calls them from its event handlers, the notifier
// calls Settings from the engine's subscription goroutine.
//
// The config is the runtime's copy-on-write config: an edit goes through
// the config file's Store (re-read under its lock, validated, saved) and
// the saved config is published, so the engine's target resolver always
// sees a whole config and no edit drops what another process added.
type guiBackend struct {
	rt  *engineRuntime
	ws  *watchers
	ctx context.Context // the watchers' and the sandbox's lifetime
	// exe is the running executable.
	exe string
	// loginExe is the executable the login item starts (autostart.Installed:
	// exe, or the installed copy when exe is in a build folder; "" when
	// there is none), and loginNote says why it is not exe.
	loginExe, loginNote string
	// autostart turns "start at login" on and off (autostart.Enable and
	// Disable in the app; a fake in tests).
	autostart func(on bool, exe string) error
	// homeDir locates ~ for the sandbox's outbox (os.UserHomeDir).
	homeDir func() (string, error)

	editMu sync.Mutex      // serialises edits: clone, save, publish
	mu     sync.Mutex      // guards speed and down
	speed  float64         // total bytes per second of the latest progress snapshot
	down   map[string]bool // targets whose server cannot be reached now

	sandbox *appSandbox // guarded by editMu

	secretsOnce sync.Once
	secretsErr  error
}

var _ ui.Backend = (*guiBackend)(nil)

// historyLimit is how many finished jobs the window lists.
const historyLimit = 1000

// newGUIBackend takes over rt and makes the folder watchers. ctx bounds
// the watchers and the sandbox.
func newGUIBackend(ctx context.Context, rt *engineRuntime, exe string, autostart func(bool, string) error) *guiBackend {
	b := &guiBackend{rt: rt, ctx: ctx, exe: exe, loginExe: exe, autostart: autostart, homeDir: os.UserHomeDir}
	b.ws = newWatchers(rt)
	return b
}

// config returns the current config; callers must not modify it.
func (b *guiBackend) config() *config.Config { return b.rt.config() }

// editConfig applies fn to the config file as it is now and publishes the
// result (engineRuntime.editConfig). Nothing changes when fn or the save
// fails.
func (b *guiBackend) editConfig(fn func(*config.Config) error) error {
	b.editMu.Lock()
	defer b.editMu.Unlock()
	return b.editConfigLocked(fn)
}

// editConfigLocked is editConfig for a caller holding editMu. fn gets the
// file's current content, re-read under its lock: a target or folder added
// elsewhere (the CLI while the app runs) is in it and stays.
func (b *guiBackend) editConfigLocked(fn func(*config.Config) error) error {
	if _, err := b.rt.editConfig(fn); err != nil {
		return fmt.Errorf("save %s: %w", b.rt.paths.ConfigFile, err)
	}
	return nil
}

func (b *guiBackend) PauseAll(until time.Time) error { return b.rt.engine.PauseAll(until) }

func (b *guiBackend) ResumeAll() error { return b.rt.engine.ResumeAll() }

// Retry runs a failed or waiting job now; a job that already ended fails
// with a sentence saying to upload the file again.
//
// While every upload is paused it says so instead (the row goes with the
// others on Resume all); a row paused on its own is resumed.
func (b *guiBackend) Retry(id uint64) error {
	if paused, _, err := b.rt.engine.Paused(); err == nil && paused {
		return errors.New("retry: all uploads are paused; press Resume all to send this file with the others")
	}
	if j, err := b.rt.q.Get(queue.JobID(id)); err == nil && j.State == queue.Paused {
		return explainGone(b.rt.engine.Resume(queue.JobID(id)), "resume")
	}
	return explainGone(b.rt.engine.Retry(queue.JobID(id)), "retry")
}

// Cancel removes a job; one that already ended is reported as such.
func (b *guiBackend) Cancel(id uint64) error {
	return explainGone(b.rt.engine.Cancel(queue.JobID(id)), "cancel")
}

func explainGone(err error, what string) error {
	if errors.Is(err, queue.ErrNotFound) {
		return fmt.Errorf("%s: this upload has already ended (upload the file again to send it once more)", what)
	}
	return err
}

func (b *guiBackend) RetryAll() error {
	_, err := b.rt.engine.RetryAll()
	return err
}

// SetBandwidth applies the limit at once and keeps it in the config's
// [transfer] bandwidth_limit (dropping a bandwidth_schedule).
func (b *guiBackend) SetBandwidth(bytesPerSecond int64) error {
	if bytesPerSecond < 0 {
		return fmt.Errorf("set bandwidth: %d bytes per second is negative", bytesPerSecond)
	}
	b.rt.engine.SetBandwidth(bytesPerSecond)
	return b.editConfig(func(c *config.Config) error {
		setBandwidth(c, bytesPerSecond, "") // one rate replaces a timetable
		return nil
	})
}

// SetParallel applies the number of files at once and keeps it in the
// config's [transfer] parallel_files.
func (b *guiBackend) SetParallel(files int) error {
	if err := b.rt.engine.SetParallel(files); err != nil {
		return err
	}
	return b.editConfig(func(c *config.Config) error {
		c.Transfer.ParallelFiles = files
		return nil
	})
}

// cloneConfig copies the parts an edit replaces (whole targets and
// folders, never their inner slices in place), for a trial edit.
func cloneConfig(c *config.Config) *config.Config {
	n := *c
	n.Targets = slices.Clone(c.Targets)
	n.Folders = slices.Clone(c.Folders)
	return &n
}

package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/secrets"
	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// engineRuntime is what the commands that upload share: the config, the
// secrets store, the queue file and the engine over it. The headless
// commands and the desktop app build it the same way.
type engineRuntime struct {
	// cfg is copy-on-write: a published *config.Config is never modified;
	// an edit goes through cfgStore (the file's one owner) and the saved
	// config is published with adopt, so workers resolving targets never
	// see a half-made edit.
	cfg      atomic.Pointer[config.Config]
	cfgStore *config.Store
	// adoptMu orders publishing: an edit's save and publish, and a reload
	// after a change made elsewhere, never interleave.
	adoptMu sync.Mutex
	paths   config.Paths
	store   secrets.Store
	log     *slog.Logger
	q       *queue.Queue
	engine  *transfer.Engine
	close   func() error
	lim     limits // --bwlimit and the metered detector (limits.go)
}

// ErrBusy means another Ferry process holds the queue.
var ErrBusy = errors.New("another Ferry is running")

// openRuntime loads the config, opens the secrets store and the queue and
// builds the engine (not yet running). A queue held by another process
// fails with an error wrapping ErrBusy.
func (c *cli) openRuntime(logToFile bool) (*engineRuntime, error) {
	cfg, paths, err := c.loadConfig()
	if err != nil {
		return nil, err
	}
	store, err := c.store(cfg)
	if err != nil {
		return nil, err
	}
	log, closeLog, err := c.logger(logToFile)
	if err != nil {
		return nil, err
	}
	q, err := queue.Open(paths.QueueFile(), queue.Options{})
	if err != nil {
		_ = closeLog()
		if errors.Is(err, queue.ErrLocked) {
			return nil, fmt.Errorf("%w (the desktop app or `ferry watch`): %w", ErrBusy, err)
		}
		return nil, err
	}
	if d, ok := q.Damage(); ok {
		// The log has it too (the engine logs it), but a person must
		// read this before files are uploaded again: say it where they
		// look. The desktop app shows it in its window (see runGUI).
		fmt.Fprintln(c.Err, "ferry:", d.Message())
	}
	rt := &engineRuntime{paths: paths, store: store, log: log, q: q, cfgStore: config.NewStore(paths.ConfigFile)}
	rt.cfg.Store(cfg)
	bw := rt.bandwidthOf(cfg)
	rt.engine = transfer.New(q, transfer.TargetFunc(rt.resolve), transfer.Options{
		Parallel:     cfg.Transfer.ParallelFilesOrDefault(),
		Schedule:     &bw,
		StallTimeout: cfg.Transfer.StallTimeoutOrDefault(),
		Log:          log,
	})
	// How the engine's process collects garbage: see governMemory.
	stopGoverning := governMemory()
	rt.close = func() error {
		defer stopGoverning()
		return errors.Join(q.Close(), closeLog())
	}
	return rt, nil
}

// config returns the current config; callers must not modify it.
func (rt *engineRuntime) config() *config.Config { return rt.cfg.Load() }

// resolve builds the provider of a configured target; the engine caches it.
func (rt *engineRuntime) resolve(_ context.Context, name string) (provider.Provider, transfer.TargetSettings, error) {
	cfg := rt.config()
	t := cfg.Target(name)
	if t == nil {
		return nil, transfer.TargetSettings{}, fmt.Errorf("no target named %q in %s", name, rt.paths.ConfigFile)
	}
	p, err := BuildProvider(*t, rt.store, BuildOptions{Log: rt.log, StateDir: rt.paths.ProviderDir()})
	if err != nil {
		return nil, transfer.TargetSettings{}, err
	}
	chunk := int64(cfg.Transfer.ChunkSize)
	if t.ChunkSize > 0 {
		chunk = int64(t.ChunkSize)
	}
	return p, transfer.TargetSettings{
		MaxParallel:   cfg.Transfer.PerTargetParallelOrDefault(),
		ChunkSize:     chunk,
		ChunkParallel: t.ParallelChunksOrDefault(),
		Conflict:      provider.ConflictPolicy(t.Conflict),
	}, nil
}

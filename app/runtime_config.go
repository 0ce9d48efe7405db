package app

import (
	"context"
	"reflect"
	"slices"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// editConfig applies edit to the config file as it is now (Store.Apply:
// locked, re-read, validated, atomic) and publishes the result. Nothing
// changes when edit or the save fails.
func (rt *engineRuntime) editConfig(edit func(*config.Config) error) (*config.Config, error) {
	rt.adoptMu.Lock()
	defer rt.adoptMu.Unlock()
	next, err := rt.cfgStore.Apply(edit)
	if err != nil {
		return nil, err
	}
	rt.adoptLocked(next)
	return next, nil
}

// adoptLocked publishes next and applies what changed to the engine: a
// target whose settings changed or that went away is resolved afresh
// (its cached provider dropped) and its uploads that failed for its
// settings are retried; changed limits apply at once. The caller holds
// adoptMu.
func (rt *engineRuntime) adoptLocked(next *config.Config) {
	prev := rt.cfg.Swap(next)
	if prev == nil {
		return
	}
	var changed []string
	for _, t := range prev.Targets {
		if n := next.Target(t.Name); n == nil || !reflect.DeepEqual(*n, t) {
			changed = append(changed, t.Name)
		}
	}
	for _, t := range next.Targets {
		if prev.Target(t.Name) == nil {
			changed = append(changed, t.Name) // jobs may have failed for its absence
		}
	}
	for _, name := range changed {
		rt.engine.ForgetTarget(name)
	}
	rt.retryFailed(changed, transfer.KindConfig, transfer.KindAuth)
	if p := next.Transfer.ParallelFilesOrDefault(); p != prev.Transfer.ParallelFilesOrDefault() {
		if err := rt.engine.SetParallel(p); err != nil {
			rt.log.Warn("config: parallel files", "err", err)
		}
	}
	rt.adoptBandwidth(prev, next)
	rt.applyMetered(next)
}

// secretsChanged drops the cached providers of targets whose secret was
// replaced (by `ferry target set-secret` in another process) and retries
// their uploads that failed for credentials.
func (rt *engineRuntime) secretsChanged(targets []string) {
	for _, name := range targets {
		rt.engine.ForgetTarget(name)
	}
	rt.retryFailed(targets, transfer.KindAuth, transfer.KindConfig)
	rt.log.Info("config: secrets changed; credentials dropped and their failed uploads retried", "targets", targets)
}

// retryFailed requeues the failed or waiting jobs of targets whose last
// error is one of kinds.
func (rt *engineRuntime) retryFailed(targets []string, kinds ...string) {
	if len(targets) == 0 {
		return
	}
	var ids []queue.JobID
	err := rt.q.Jobs(func(j queue.Job) bool {
		return (j.State == queue.Failed || j.State == queue.Waiting) &&
			slices.Contains(targets, j.Target) && slices.Contains(kinds, j.ErrKind)
	}, func(j queue.Job) bool { ids = append(ids, j.ID); return true })
	if err != nil {
		rt.log.Warn("config: list jobs to retry", "err", err)
	}
	for _, id := range ids {
		if err := rt.engine.Retry(id); err != nil {
			rt.log.Warn("config: retry job", "job", id, "err", err)
		}
	}
}

// follow keeps the runtime in step with the config file until ctx ends: a
// change made elsewhere (the CLI, a second process, a hand edit) is
// published at once, and onConfig runs after it (the watched folders);
// a secret replaced elsewhere drops the target's credentials. A file that
// cannot be read or is invalid is reported to onError and the running
// config stays.
func (rt *engineRuntime) follow(ctx context.Context, onConfig func(*config.Config), onError func(error)) error {
	return rt.cfgStore.Watch(ctx, func(ch config.Change) {
		if ch.Err != nil {
			onError(ch.Err)
		}
		if ch.Config != nil {
			rt.adoptMu.Lock()
			// Read again under adoptMu: an edit of this process may have
			// saved a newer file since the watch read it.
			cur, err := rt.cfgStore.Load()
			if err == nil {
				rt.adoptLocked(cur)
			}
			rt.adoptMu.Unlock()
			if err != nil {
				onError(err)
			} else {
				onConfig(cur)
			}
		}
		if len(ch.Secrets) > 0 {
			rt.secretsChanged(ch.Secrets)
		}
	})
}

// targetNames lists the config's target names (for log lines).
func targetNames(c *config.Config) []string {
	var n []string
	for _, t := range c.Targets {
		n = append(n, t.Name)
	}
	return n
}

// folderNames lists the config's folder names (for log lines).
func folderNames(c *config.Config) []string {
	var n []string
	for _, f := range c.Folders {
		n = append(n, f.Name)
	}
	return n
}

package transfer

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// TargetSettings are the per-target knobs the engine applies.
type TargetSettings struct {
	// MaxParallel bounds the files uploading to this target at once;
	// 0 means only the engine-wide Parallel applies.
	MaxParallel int
	// ChunkSize overrides the provider's default chunk size (clamped to its
	// bounds); 0 means the provider's default.
	ChunkSize int64
	// ChunkParallel is how many chunks of one file are sent at once when the
	// provider allows parallel chunks; 0 means Options.ChunkParallel.
	ChunkParallel int
	// Conflict is the policy for jobs that do not set one; "" means the
	// first policy the provider declares.
	Conflict provider.ConflictPolicy
}

// TargetResolver maps a target name from the config to its provider and
// settings. The engine calls Resolve lazily, from worker goroutines, the
// first time a job for the target runs, and caches a success until
// ForgetTarget. An error fails the jobs of that target with the error's
// text as the reason (so it must not contain secrets) and is not cached.
type TargetResolver interface {
	Resolve(ctx context.Context, target string) (provider.Provider, TargetSettings, error)
}

// TargetFunc adapts a function to TargetResolver.
type TargetFunc func(ctx context.Context, target string) (provider.Provider, TargetSettings, error)

// Resolve calls f.
func (f TargetFunc) Resolve(ctx context.Context, target string) (provider.Provider, TargetSettings, error) {
	return f(ctx, target)
}

type resolved struct {
	p    provider.Provider
	set  TargetSettings
	caps provider.Capabilities
}

// targetCache memoises successful resolutions.
type targetCache struct {
	r  TargetResolver
	mu sync.Mutex // guards m
	m  map[string]*resolved
}

func (c *targetCache) get(ctx context.Context, name string) (*resolved, error) {
	return c.getFirst(ctx, name, nil)
}

// getFirst is get; when this call resolves the target, first (if not nil)
// runs before any other goroutine can see the target as cached.
func (c *targetCache) getFirst(ctx context.Context, name string, first func(*resolved)) (*resolved, error) {
	c.mu.Lock()
	t, ok := c.m[name]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	p, set, err := c.r.Resolve(ctx, name)
	if err == nil && p == nil {
		err = fmt.Errorf("no provider configured")
	}
	if err != nil {
		// A resolver's error may name the target already (the app's does):
		// naming it twice reads as `target "h": target "h": ...`.
		if prefix := fmt.Sprintf("target %q", name); !strings.Contains(err.Error(), prefix) {
			err = fmt.Errorf("%s: %w", prefix, err)
		}
		return nil, err
	}
	t = &resolved{p: p, set: set, caps: p.Capabilities()}
	c.mu.Lock()
	if prev, ok := c.m[name]; ok {
		t = prev // a concurrent resolution won; keep one provider per target
	} else {
		if first != nil {
			first(t)
		}
		c.m[name] = t
	}
	c.mu.Unlock()
	return t, nil
}

// cached returns the settings of an already resolved target without
// resolving it (the dispatcher must not block on a resolver).
func (c *targetCache) cached(name string) (*resolved, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[name]
	return t, ok
}

func (c *targetCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, name)
}

package transfer

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// bandwidth is the one token bucket all uploads share. Readers wait for
// tokens in slices of at most a tenth of a second's worth, and a change of
// the limit wakes every waiter, so a new limit applies at once and a slow
// limit never serialises transfers: each reader waits only for its own
// bytes.
type bandwidth struct {
	mu      sync.Mutex    // guards lim and changed
	lim     *rate.Limiter // nil means unlimited
	changed chan struct{} // closed and replaced by every set
}

func newBandwidth(bps int64) *bandwidth {
	b := &bandwidth{changed: make(chan struct{})}
	b.set(bps)
	return b
}

// set changes the limit; bps <= 0 means unlimited. Safe from any goroutine.
func (b *bandwidth) set(bps int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if bps <= 0 {
		b.lim = nil
	} else {
		b.lim = rate.NewLimiter(rate.Limit(bps), int(max(bps/10, 1)))
	}
	close(b.changed)
	b.changed = make(chan struct{})
}

// limit returns the current limit in bytes per second, 0 for none.
func (b *bandwidth) limit() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lim == nil {
		return 0
	}
	return int64(b.lim.Limit())
}

// wait blocks until n bytes may be sent, or ctx ends (returning its error).
func (b *bandwidth) wait(ctx context.Context, n int) error {
	for n > 0 {
		b.mu.Lock()
		lim, changed := b.lim, b.changed
		b.mu.Unlock()
		if lim == nil {
			return nil
		}
		take := min(n, lim.Burst())
		r := lim.ReserveN(time.Now(), take)
		if d := r.Delay(); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-changed:
				t.Stop()
				r.Cancel()
				continue // the bytes were not sent: ask the new limiter
			case <-ctx.Done():
				t.Stop()
				r.Cancel()
				return context.Cause(ctx)
			}
		}
		n -= take
	}
	return nil
}

// slice is the most bytes a reader should read before waiting for tokens:
// a tenth of a second's worth under a limit (so each of many parallel
// readers advances steadily), readSlice without one.
func (b *bandwidth) slice() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lim == nil {
		return readSlice
	}
	return max(min(b.lim.Burst(), readSlice), 1)
}

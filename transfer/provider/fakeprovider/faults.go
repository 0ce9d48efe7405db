package fakeprovider

import (
	"context"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// Op names a kind of provider call.
type Op string

// The call kinds a Fault can target and the call log records.
const (
	OpBegin  Op = "begin"
	OpResume Op = "resume"
	OpPut    Op = "put"
	OpFinish Op = "finish"
	OpAbort  Op = "abort"
)

// Fault programs failures of one call kind. For OpPut the body is read
// first, so the bytes really travel before the server answers with the
// failure (like a 5xx after the upload, or a reset at the end).
type Fault struct {
	Op Op
	// Rate is the probability that a matching call fails, drawn from the
	// seeded generator; 0 means every matching call.
	Rate float64
	// Count stops the fault after that many injections; 0 means no limit.
	Count int
	// Err is returned; nil means a retryable *provider.Error (HTTP 503).
	Err error
	// Hang blocks the call until its context ends instead of failing, like
	// a server that stops answering (for the stall watchdog).
	Hang bool
	// Match, when set, restricts the fault to the calls it accepts.
	Match func(Call) bool
}

type faultState struct {
	Fault
	fired int
}

// AddFault programs a failure; faults are checked in the order added and
// the first one that fires decides the call.
func (p *Provider) AddFault(f Fault) {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	p.srv.faults = append(p.srv.faults, &faultState{Fault: f})
}

// ClearFaults removes every programmed failure.
func (p *Provider) ClearFaults() {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	p.srv.faults = nil
}

// Injected returns how many failures were injected so far.
func (p *Provider) Injected() int {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	n := 0
	for _, f := range p.srv.faults {
		n += f.fired
	}
	return n
}

// fault returns the injected error for c, or nil. A hanging fault returns
// ctx's error once the caller gives up.
func (s *server) fault(ctx context.Context, c Call) error {
	s.mu.Lock()
	var hit *faultState
	for _, f := range s.faults {
		if f.Op != c.Op || (f.Count > 0 && f.fired >= f.Count) || (f.Match != nil && !f.Match(c)) {
			continue
		}
		if f.Rate > 0 && s.rng.Float64() >= f.Rate {
			continue
		}
		f.fired++
		hit = f
		break
	}
	s.mu.Unlock()
	switch {
	case hit == nil:
		return nil
	case hit.Hang:
		<-ctx.Done()
		return ctx.Err()
	case hit.Err != nil:
		return hit.Err
	}
	return &provider.Error{Kind: provider.ErrRetryable, Op: string(c.Op), Status: 503, Message: "injected fault"}
}

// enterNoFault is enter without fault injection, for calls that inject
// their fault later (PutChunk, after reading the body).
func (s *server) enterNoFault(ctx context.Context, c *Call) error {
	return s.prelude(ctx, c)
}

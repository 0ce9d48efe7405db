package transfer

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// errStalled is the cause of an attempt the stall watchdog aborted.
var errStalled = errors.New("no progress")

// requestBackoff is an exponential backoff that a server's Retry-After
// stretches: the next pause is the longer of the two.
type requestBackoff struct {
	exp        *backoff.ExponentialBackOff
	retryAfter time.Duration
}

func (b *requestBackoff) Reset() { b.exp.Reset(); b.retryAfter = 0 }

func (b *requestBackoff) NextBackOff() time.Duration {
	d := b.exp.NextBackOff()
	if b.retryAfter > d {
		d = b.retryAfter
	}
	b.retryAfter = 0
	return d
}

// request runs one provider call with the stall watchdog, retrying it a
// few times (Options.RequestTries) while it fails with a retryable error.
// fn gets the attempt's context and the heartbeat that defers the
// watchdog. It returns the last error; a Retry-After longer than
// RequestRetryAfterMax ends the retries at once (the job-level retry
// honours it instead).
//
// The first attempt runs before the retry loop is built: most requests
// succeed at once, and the loop's backoff, timer and options cost a small
// file's three or five requests a dozen allocations each. The loop then
// starts with that attempt's outcome, so the tries and pauses are the same.
func (e *Engine) request(ctx context.Context, op string, fn func(ctx context.Context, touch func()) error) error {
	first := e.attempt(ctx, op, fn)
	if first == nil {
		return nil
	}
	exp := backoff.NewExponentialBackOff()
	exp.InitialInterval = e.opts.RequestBackoff.Initial
	exp.MaxInterval = e.opts.RequestBackoff.Max
	b := &requestBackoff{exp: exp}
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := first
		if first != nil {
			first = nil // the attempt made above, not made again
		} else {
			err = e.attempt(ctx, op, fn)
		}
		if err == nil {
			return struct{}{}, nil
		}
		kind, ra := provider.Classify(err)
		if kind != provider.ErrRetryable || ctx.Err() != nil || ra > e.opts.RequestRetryAfterMax || errors.Is(err, errFileChanged) {
			return struct{}{}, backoff.Permanent(err)
		}
		b.retryAfter = ra
		return struct{}{}, err
	}, backoff.WithBackOff(b), backoff.WithMaxTries(uint(e.opts.RequestTries)), backoff.WithMaxElapsedTime(0))
	return err
}

// attempt runs fn once under the stall watchdog: when touch is not called
// for StallTimeout, the attempt's context is cancelled and the stall is
// reported as a retryable error.
func (e *Engine) attempt(ctx context.Context, op string, fn func(ctx context.Context, touch func()) error) error {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := e.opts.StallTimeout
	t := time.AfterFunc(stall, func() { cancel(errStalled) })
	defer t.Stop()
	err := fn(actx, func() { t.Reset(stall) })
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), errStalled) {
		return &provider.Error{Kind: provider.ErrRetryable, Op: op, Message: "no progress for " + stall.String(), Err: errStalled}
	}
	return err
}

// jobDelay is the pause before job-level retry number attempts+1:
// exponential from JobBackoff.Initial, capped at Max, with ±25% jitter,
// and never shorter than the server's Retry-After.
func (e *Engine) jobDelay(attempts int, retryAfter time.Duration) time.Duration {
	return max(e.opts.JobBackoff.delay(attempts), retryAfter)
}

// delay is the pause after n doublings of b.Initial, capped at b.Max,
// with ±25% jitter so that retries of many jobs (or of several Ferry
// processes behind one link) do not come in step.
func (b Backoff) delay(n int) time.Duration {
	d := b.Initial
	for i := 0; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return time.Duration(float64(d) * (0.75 + 0.5*rand.Float64()))
}

package transfer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
)

// A request is tried RequestTries times in all while it fails with a
// retryable error, once when it succeeds or fails for good; the first
// attempt, made before the retry loop exists, counts as the loop's first.
func TestRequestTries(t *testing.T) {
	opts := fastOpts()
	opts.RequestTries = 3
	opts.RequestRetryAfterMax = time.Second
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, opts)
	retryable := &provider.Error{Kind: provider.ErrRetryable, Op: "put", Message: "busy"}
	permanent := &provider.Error{Kind: provider.ErrPermanent, Op: "put", Message: "refused"}
	longWait := &provider.Error{Kind: provider.ErrRetryable, Op: "put", Message: "later", RetryAfter: time.Hour}
	cases := []struct {
		name      string
		outcomes  []error // the n-th attempt's result; the last repeats
		wantCalls int
		wantErr   error
	}{
		{"succeeds at once", []error{nil}, 1, nil},
		{"succeeds at the second", []error{retryable, nil}, 2, nil},
		{"succeeds at the last", []error{retryable, retryable, nil}, 3, nil},
		{"always busy", []error{retryable}, 3, retryable},
		{"refused", []error{permanent}, 1, permanent},
		{"busy, then refused", []error{retryable, permanent}, 2, permanent},
		{"asked to wait longer than a request may", []error{longWait}, 1, longWait},
	}
	for _, c := range cases {
		calls := 0
		err := r.e.request(context.Background(), "put chunk 0", func(context.Context, func()) error {
			out := c.outcomes[min(calls, len(c.outcomes)-1)]
			calls++
			return out
		})
		if calls != c.wantCalls || !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
			t.Errorf("%s: %d attempts, error %v; want %d, %v", c.name, calls, err, c.wantCalls, c.wantErr)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := r.e.request(ctx, "put chunk 0", func(context.Context, func()) error {
		calls++
		cancel()
		return retryable
	})
	if calls != 1 || err == nil {
		t.Errorf("cancelled during the first attempt: %d attempts, error %v; want 1 and an error", calls, err)
	}
}

package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	auth := &Error{Kind: ErrAuth, Op: "login", Status: 401, Err: syscall.ECONNRESET}
	cases := []struct {
		name  string
		err   error
		kind  error
		after time.Duration
	}{
		{"nil", nil, nil, 0},
		{"typed retryable with Retry-After", &Error{Kind: ErrRetryable, Op: "put", Status: 429, RetryAfter: 7 * time.Second}, ErrRetryable, 7 * time.Second},
		{"wrapped typed", fmt.Errorf("job 3: %w", &Error{Kind: ErrQuota, Op: "finish", Status: 507}), ErrQuota, 0},
		{"auth wins over its network cause", auth, ErrAuth, 0},
		{"bare sentinel", fmt.Errorf("resume: %w", ErrSessionGone), ErrSessionGone, 0},
		{"connection reset", &net.OpError{Op: "write", Err: syscall.ECONNRESET}, ErrRetryable, 0},
		{"reset as errno", fmt.Errorf("put: %w", syscall.ECONNRESET), ErrRetryable, 0},
		{"short body", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), ErrRetryable, 0},
		{"deadline", context.DeadlineExceeded, ErrRetryable, 0},
		{"cancelled", fmt.Errorf("put: %w", context.Canceled), context.Canceled, 0},
		{"cancelled inside a retryable transport error", &Error{Kind: ErrRetryable, Op: "put", Err: context.Canceled}, context.Canceled, 0},
		{"unknown", errors.New("something odd"), ErrPermanent, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kind, after := Classify(c.err)
			if kind != c.kind || after != c.after {
				t.Fatalf("Classify = %v, %v; want %v, %v", kind, after, c.kind, c.after)
			}
		})
	}
	if !IsRetryable(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}) || IsRetryable(ErrAuth) {
		t.Error("IsRetryable disagrees with Classify")
	}
}

func TestStatusKind(t *testing.T) {
	want := map[int]error{
		400: ErrPermanent, 401: ErrAuth, 403: ErrAuth, 404: ErrSessionGone, 408: ErrRetryable,
		409: ErrConflict, 410: ErrSessionGone, 413: ErrTooLarge, 422: ErrPermanent, 425: ErrRetryable,
		429: ErrRetryable, 500: ErrRetryable, 502: ErrRetryable, 503: ErrRetryable, 507: ErrQuota,
	}
	for status, kind := range want {
		if got := StatusKind(status); got != kind {
			t.Errorf("StatusKind(%d) = %v, want %v", status, got, kind)
		}
	}
}

func TestErrorTextAndUnwrap(t *testing.T) {
	cause := errors.New("connection refused")
	e := &Error{Kind: ErrRetryable, Op: "put chunk 3", Status: 503, Message: "busy", Err: cause}
	if got := e.Error(); got != "put chunk 3: HTTP 503: busy: connection refused" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(e, ErrRetryable) || !errors.Is(e, cause) {
		t.Error("Error does not unwrap to its kind and cause")
	}
	bare := &Error{Kind: ErrConflict, Op: "begin"}
	if got := bare.Error(); got != "begin: remote file already exists" {
		t.Errorf("bare Error() = %q", got)
	}
}

func TestUploadChunkPlan(t *testing.T) {
	cases := []struct {
		size, chunk int64
		chunks      int
		lastSize    int64
	}{
		{0, 10, 1, 0}, {1, 10, 1, 1}, {10, 10, 1, 10}, {11, 10, 2, 1}, {25, 10, 3, 5}, {30, 10, 3, 10},
	}
	for _, c := range cases {
		u := Upload{Size: c.size, ChunkSize: c.chunk}
		if got := u.Chunks(); got != c.chunks {
			t.Errorf("size %d chunk %d: %d chunks, want %d", c.size, c.chunk, got, c.chunks)
			continue
		}
		var sum int64
		for i := range c.chunks {
			ch := u.Chunk(i)
			if ch.Offset != sum || ch.Index != i || ch.Total != c.chunks || ch.Last != (i == c.chunks-1) {
				t.Errorf("size %d chunk %d: chunk %d = %+v", c.size, c.chunk, i, ch)
			}
			sum += ch.Size
		}
		if sum != c.size || u.Chunk(c.chunks-1).Size != c.lastSize {
			t.Errorf("size %d chunk %d: chunks cover %d bytes, last %d", c.size, c.chunk, sum, u.Chunk(c.chunks-1).Size)
		}
	}
}

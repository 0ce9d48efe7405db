package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
)

// The error kinds. Every error a provider returns wraps exactly one of them
// (usually through *Error); Classify maps any error to its kind.
var (
	// ErrRetryable: a transient failure (network, 5xx, 429); retry later,
	// after RetryAfter when the server gave one.
	ErrRetryable = errors.New("temporary failure")
	// ErrAuth: credentials are missing, wrong or expired beyond one re-login.
	// The job stops until the user fixes the target.
	ErrAuth = errors.New("authentication failed")
	// ErrConflict: the remote name exists and the policy says skip, or the
	// server refused because of an existing item.
	ErrConflict = errors.New("remote file already exists")
	// ErrTooLarge: a request body or the file exceeds a server limit. For a
	// chunk the engine steps the chunk size down and restarts the file; at
	// the minimum chunk size, or for a whole-file limit, the job fails.
	ErrTooLarge = errors.New("too large for the server")
	// ErrQuota: the account's storage quota is exhausted.
	ErrQuota = errors.New("storage quota exceeded")
	// ErrPermanent: the server rejected the request as invalid; retrying the
	// same request cannot succeed.
	ErrPermanent = errors.New("rejected by the server")
	// ErrSessionGone: the server no longer knows the upload session (expired
	// key, unknown id) or the service cannot resume; restart the file.
	ErrSessionGone = errors.New("upload session is gone")
)

// ErrMaybeStored is not a kind but a cause a provider wraps (as Error.Err)
// into the failure that ends a session whose storing request may have
// reached the server with its answer lost: the file may already be stored,
// and the service offers no way to ask. The engine still sends the file
// again (a second copy is recoverable, a lost file is not) and leaves a
// warning on the job saying the server may hold it twice.
var ErrMaybeStored = errors.New("the server may already have stored the file")

// ErrSecureConnection is not a kind but a cause a client wraps (as
// Error.Err, beside the TLS error) into a failure to set up the secure
// connection: the certificate is not trusted, expired, for another name,
// or not the pinned one. It is a local or network matter, never the
// server's answer to the upload, and the engine explains it so.
var ErrSecureConnection = errors.New("the secure connection to the server could not be set up")

// Error is the typed error providers return for server and transport
// failures. It unwraps to both its Kind and the underlying cause.
type Error struct {
	Kind       error         // one of the Err* kinds above
	Op         string        // the operation, e.g. "finalize" or "put chunk 3"
	Status     int           // HTTP status, 0 for transport errors
	Code       string        // the service's own error code, if any
	Message    string        // the server's message, safe to show (no secrets)
	RetryAfter time.Duration // from a Retry-After header, 0 if none
	Err        error         // underlying cause, may be nil
}

func (e *Error) Error() string {
	msg := e.Op
	if e.Status != 0 {
		msg += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Status == 0 && e.Err == nil && e.Message == "" {
		msg += ": " + e.Kind.Error()
	}
	return msg
}

// Unwrap lets errors.Is match both the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// kinds is the order in which Classify tests an error chain: the most
// specific, user-facing kinds first, so an auth failure that also wraps a
// network error is reported as auth.
var kinds = []error{ErrAuth, ErrQuota, ErrTooLarge, ErrConflict, ErrSessionGone, ErrPermanent, ErrRetryable}

// Classify returns the kind of err (one of the Err* sentinels) and the
// server's Retry-After, if any. Errors without a kind are classified by
// their cause: network and timeout errors are retryable, anything else is
// permanent. An error that wraps context.Canceled is returned as
// context.Canceled whatever its kind: the caller stopped it on purpose.
//
//lint:ignore ST1008 the first result is a kind (a sentinel), not a failure of Classify
func Classify(err error) (kind error, retryAfter time.Duration) {
	if err == nil {
		return nil, 0
	}
	// A cancelled request is the caller's decision (pause, cancel, quit),
	// whatever kind a transport wrapper gave the failure.
	if errors.Is(err, context.Canceled) {
		return context.Canceled, 0
	}
	var pe *Error
	if errors.As(err, &pe) {
		retryAfter = pe.RetryAfter
	}
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k, retryAfter
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || isNetwork(err) {
		return ErrRetryable, retryAfter
	}
	return ErrPermanent, retryAfter
}

// IsRetryable reports whether the engine should try err's operation again.
func IsRetryable(err error) bool {
	k, _ := Classify(err)
	return k == ErrRetryable
}

func isNetwork(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED)
}

// StatusKind maps an HTTP status to the kind most services mean by it. A
// provider overrides it where its API differs (files.ro's quota answer is a
// 401, for instance).
func StatusKind(status int) error {
	switch {
	case status == 401 || status == 403:
		return ErrAuth
	case status == 404 || status == 410:
		return ErrSessionGone
	case status == 409:
		return ErrConflict
	case status == 413:
		return ErrTooLarge
	case status == 507:
		return ErrQuota
	case status == 408 || status == 425 || status == 429 || status >= 500:
		return ErrRetryable
	}
	return ErrPermanent
}

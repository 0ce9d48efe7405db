package queue

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the queue returns that callers must act on
// wraps one of these; decide with errors.Is.
var (
	// ErrLocked means another process (another Ferry instance) holds the
	// queue file. The caller hands its work to that instance instead.
	ErrLocked = errors.New("queue locked by another process")

	// ErrNotFound means no job (or session) exists for the id: it finished,
	// was cancelled, or never existed.
	ErrNotFound = errors.New("not found")

	// ErrCorrupt means a stored record could not be decoded (truncated,
	// unknown version, invalid field). The error names the record.
	ErrCorrupt = errors.New("corrupt record")

	// ErrSchema means the file was written by a newer Ferry whose schema
	// this build does not know; opening it could destroy data.
	ErrSchema = errors.New("unsupported queue schema")

	// ErrState means the requested transition is not allowed from the job's
	// current state (for example Retry on a job that is not Running).
	ErrState = errors.New("invalid state for operation")

	// ErrInvalid means the caller passed a job or value the queue refuses
	// (empty target, absolute or escaping path, changed key in Update).
	ErrInvalid = errors.New("invalid argument")
)

// CorruptJobError reports a job record that cannot be decoded. It unwraps to
// an error wrapping ErrCorrupt; ID lets the UI offer to remove it (Purge).
type CorruptJobError struct {
	ID  JobID
	Err error
}

func (e *CorruptJobError) Error() string { return fmt.Sprintf("job %d: %v", e.ID, e.Err) }
func (e *CorruptJobError) Unwrap() error { return e.Err }

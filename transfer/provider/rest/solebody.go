package rest

import (
	"errors"
	"io"
	"sync"
)

// ErrBodyDetached is what a SoleBody returns to a reader that comes after
// Detach.
var ErrBodyDetached = errors.New("request body detached: the request is over")

// SoleBody lets one request read r and guarantees that nothing reads r
// after Detach returns. net/http may go on reading a request body in its
// own goroutine after Client.Do has returned (a server that answers
// before reading the whole body, a 401 say), so a caller that replays the
// same io.ReadSeeker must Detach the first request's body before it
// rewinds: otherwise two requests read, and count, the same bytes at once.
type SoleBody struct {
	mu       sync.Mutex
	r        io.Reader
	detached bool
}

// NewSoleBody wraps r for one request.
func NewSoleBody(r io.Reader) *SoleBody { return &SoleBody{r: r} }

// Read reads from r unless the body was detached (ErrBodyDetached).
func (b *SoleBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.detached {
		return 0, ErrBodyDetached
	}
	return b.r.Read(p)
}

// Detach waits for a Read in progress to return and makes every later
// Read fail. It is safe to call more than once.
func (b *SoleBody) Detach() {
	b.mu.Lock()
	b.detached = true
	b.mu.Unlock()
}

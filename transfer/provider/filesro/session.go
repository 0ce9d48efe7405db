package filesro

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/filesro/api"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// session is one upload attempt under one key. Its methods are called by
// one engine worker at a time (chunks are sequential); the mutex only
// guards against misuse.
type session struct {
	p   *Provider
	u   provider.Upload
	key string

	mu sync.Mutex // guards the fields below
	// next is the index of the next chunk to send; chunks before it are
	// appended on the server.
	next int
	// tainted: an attempt of chunk next failed after it may have reached
	// the server (its bytes may or may not have been appended). The chunk
	// cannot be sent again under this key.
	tainted bool
	done    bool // the last chunk was acknowledged with the file resource
	aborted bool
	result  provider.Result
}

func newSession(p *Provider, u provider.Upload) *session {
	return &session{p: p, u: u, key: NewKey(u.Name)}
}

// stateJSON is the persisted State: the key and progress, for the log and
// for diagnosis only (Resume never uses it). No secrets.
type stateJSON struct {
	V    int    `json:"v"`
	Key  string `json:"key"`
	Next int    `json:"next"`
}

// State returns the key and the number of acknowledged chunks.
func (s *session) State() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(stateJSON{V: 1, Key: s.key, Next: s.next})
	if err != nil {
		panic(fmt.Sprintf("filesro: encode state: %v", err)) // plain struct: cannot fail
	}
	return b
}

// PutChunk sends chunk c. It returns nil once the server appended it (and,
// for the last chunk, created the file). It refuses with ErrSessionGone,
// without sending, when c was already appended, when an earlier chunk is
// missing, or when an earlier attempt of c failed after it may have reached
// the server: without offsets the server would append the bytes again, so
// the only safe repeat is a restart of the file under a new key. Other
// failures carry their kind (ErrTooLarge for 413 or a reset mid-chunk).
func (s *session) PutChunk(ctx context.Context, c provider.Chunk, body io.ReadSeeker) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	op := fmt.Sprintf("put chunk %d of %s", c.Index, s.u.Name)
	if want := s.u.Chunk(c.Index); c != want || c.Index < 0 || c.Index >= s.u.Chunks() {
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op,
			Message: fmt.Sprintf("chunk %+v does not match the upload plan %+v", c, want),
		}
	}
	switch {
	case s.aborted || s.done:
		return &provider.Error{Kind: provider.ErrSessionGone, Op: op, Message: "the upload was already finished or aborted"}
	case c.Index < s.next:
		return &provider.Error{
			Kind: provider.ErrSessionGone, Op: op,
			Message: "this chunk was already appended; sending it again would duplicate its bytes",
		}
	case c.Index > s.next:
		return &provider.Error{
			Kind: provider.ErrSessionGone, Op: op,
			Message: fmt.Sprintf("chunk %d has not been sent; chunks must be appended in order", s.next),
		}
	case s.tainted && c.Index == s.u.Chunks()-1:
		// The last chunk's request stores the file: its answer was lost,
		// so the file may exist already.
		return &provider.Error{
			Kind: provider.ErrSessionGone, Op: op, Err: provider.ErrMaybeStored,
			Message: "an earlier attempt of the last chunk may have stored the file; the file restarts under a new key",
		}
	case s.tainted:
		return &provider.Error{
			Kind: provider.ErrSessionGone, Op: op,
			Message: "an earlier attempt of this chunk may have been appended; the file restarts under a new key",
		}
	}
	err := s.send(ctx, op, c, body)
	if err == nil {
		s.next++
	}
	return err
}

func (s *session) fields(c provider.Chunk) []rest.Field {
	last := "0"
	if c.Last {
		last = "1"
	}
	f := []rest.Field{
		{Name: api.FieldName, Value: s.u.Name},
		{Name: api.FieldExtension, Value: Extension(s.u.Name)},
		{Name: api.FieldIsLastChunk, Value: last},
	}
	if len(s.u.Dir) > 0 {
		// 2.5: the server drops the first element (before the leading
		// "/") and the last (the file name), so both must be there.
		f = append(f, rest.Field{Name: api.FieldPath, Value: "/" + strings.Join(append(append([]string{}, s.u.Dir...), s.u.Name), "/")})
	}
	if s.p.cfg.ParentID != "" {
		f = append(f, rest.Field{Name: api.FieldParentID, Value: s.p.cfg.ParentID})
	}
	return f
}

// send makes the attempt(s) for one chunk: one, plus one more after a
// refused share session was renewed (a 403 comes before any append).
// Caller holds s.mu.
func (s *session) send(ctx context.Context, op string, c provider.Chunk, body io.ReadSeeker) error {
	form, err := chunkForm(s.fields(c), s.key, c.Size)
	if err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	tmpl := api.UploadPath
	if s.p.cfg.VueFileManager {
		tmpl = api.VFMUploadChunksPath
	}
	url := s.p.endpoint(tmpl)
	renewed := false
	for {
		cookie := ""
		if s.p.cfg.Password != "" {
			if cookie, err = s.p.session(ctx, ""); err != nil {
				return err
			}
		}
		r := s.p.post(ctx, url, form, body, c.Size, cookie)
		if r.err != nil {
			return s.transportFailure(op, r)
		}
		resp := r.resp
		raw, rerr := rest.ReadBody(resp)
		switch {
		case rerr != nil:
			// The server answered but the answer broke off: it may well
			// have appended.
			s.tainted = true
			return &provider.Error{Kind: provider.ErrRetryable, Op: op, Status: resp.StatusCode, Err: rerr}
		case resp.StatusCode == http.StatusOK && !c.Last:
			return nil
		case resp.StatusCode == http.StatusCreated && c.Last:
			return s.finished(op, resp, raw)
		case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated:
			s.tainted = true
			return &provider.Error{
				Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode,
				Message: fmt.Sprintf("unexpected HTTP %d for a chunk with is_last_chunk=%t", resp.StatusCode, c.Last),
			}
		}
		perr := statusError(op, resp, raw)
		if resp.StatusCode == http.StatusForbidden && cookie != "" && strings.Contains(perr.Message, msgProtected) && !renewed {
			s.p.forget(cookie)
			renewed = true
			continue
		}
		// Statuses answered before the controller appends (validation,
		// share checks, throttling, an unknown token) leave the key as it
		// was; anything else may come after the append.
		switch resp.StatusCode {
		case http.StatusUnprocessableEntity, http.StatusForbidden, http.StatusNotFound,
			http.StatusTooManyRequests, http.StatusFound, http.StatusSeeOther:
		default:
			s.tainted = true
		}
		return perr
	}
}

// transportFailure classifies a request that got no answer. Caller holds
// s.mu.
func (s *session) transportFailure(op string, r sent) error {
	if errors.Is(r.err, rest.ErrShortBody) {
		s.tainted = true
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "the local file changed while it was sent", Err: r.err}
	}
	if r.wrote {
		s.tainted = true
	}
	if errors.Is(r.err, context.Canceled) {
		// Not a failure of the server: let Classify report the
		// cancellation (rest.TransportError would call it retryable).
		return fmt.Errorf("%s: %w", op, r.err)
	}
	perr := rest.TransportError(op, r.err)
	if !r.wrote {
		return perr // nothing reached the server: the same key is still clean
	}
	if isReset(r.err) && perr.Kind == provider.ErrRetryable {
		// A connection cut while the body was going out is how proxies
		// and servers refuse bodies over their limit; the engine steps the
		// chunk size down and restarts the file.
		perr.Kind = provider.ErrTooLarge
		perr.Message = "connection reset while sending the chunk (a body size limit?)"
	}
	return perr
}

// finished decodes and checks the 201 file resource. Caller holds s.mu.
func (s *session) finished(op string, resp *http.Response, raw []byte) error {
	var fr api.FileResponse
	if err := json.Unmarshal(raw, &fr); err != nil || fr.Data.ID == "" || fr.Data.Attributes.Name == "" {
		s.tainted = true
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode,
			Message: "the server created the file but its answer is not a file resource", Err: err,
		}
	}
	a := fr.Data.Attributes
	// The protocol cannot detect missing or doubled chunks; the displayed
	// size is the one cross-check the answer offers, so use it.
	if lo, hi, ok := api.SizeRange(a.Filesize); ok && (float64(s.u.Size) < lo || float64(s.u.Size) > hi) {
		s.tainted = true
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode,
			Message: fmt.Sprintf("the server reports size %s for %d bytes sent: the stored file is wrong", a.Filesize, s.u.Size),
		}
	}
	s.done = true
	s.result = provider.Result{
		RemoteID:   fr.Data.ID,
		RemoteName: a.Name,
		RemotePath: "/" + path.Join(append(append([]string{}, s.u.Dir...), a.Name)...),
		Link:       a.FileURL,
		Size:       s.u.Size,
	}
	return nil
}

// Finish returns the result of the last chunk. It fails with ErrPermanent
// when the last chunk was not acknowledged: on this service the last chunk
// is the completion call.
func (s *session) Finish(context.Context) (provider.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		return provider.Result{}, &provider.Error{
			Kind: provider.ErrPermanent, Op: "finish " + s.u.Name,
			Message: fmt.Sprintf("%d of %d chunks acknowledged; the last chunk completes a files.ro upload", s.next, s.u.Chunks()),
		}
	}
	return s.result, nil
}

// Abort ends the session. Nothing can be removed: the bytes sent so far
// sit in the server's hidden chunk storage under this key, which is never
// used again, and no file was created (that only happens with the last
// chunk). It never fails.
func (s *session) Abort(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted = true
	return nil
}

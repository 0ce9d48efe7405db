package filesro

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
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
	// noAnswer: the tainted attempt got no answer at all (a timeout, the
	// engine's stall watchdog, an answer that broke off): the server is not
	// answering, so the file waits for the job's next attempt instead of
	// restarting at once.
	noAnswer bool
	done     bool // the last chunk was acknowledged with the file resource
	aborted  bool
	result   provider.Result
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
	case s.tainted && c.Last && s.noAnswer:
		// The request that stores the file got no answer: the file may be
		// stored. Sending it again now, and again at every timeout, would
		// leave one copy per timeout; the job waits for its next attempt
		// (which counts), and that attempt says it may store a second copy
		// (Begin). Never resent here.
		return &provider.Error{
			Kind: provider.ErrRetryable, Op: op, Err: provider.ErrMaybeStored,
			Message: "files.ro did not answer the request that stores the file, so it may be stored already; " +
				"it is not sent again now: the next attempt sends it again, and the server may then hold it twice",
		}
	case s.tainted && c.Last:
		// The last chunk's request stores the file: its answer was an
		// error after which the file may exist already.
		return &provider.Error{
			Kind: provider.ErrSessionGone, Op: op, Err: provider.ErrMaybeStored,
			Message: "an earlier attempt of the last chunk may have stored the file; the file restarts under a new key",
		}
	case s.tainted && s.noAnswer:
		return &provider.Error{
			Kind: provider.ErrRetryable, Op: op,
			Message: "files.ro did not answer a chunk request; the file restarts under a new key at the next attempt",
		}
	case s.tainted:
		return &provider.Error{
			Kind: provider.ErrSessionGone, Op: op,
			Message: "an earlier attempt of this chunk may have been appended; the file restarts under a new key",
		}
	}
	if c.Last {
		// Serialise the first commit into a new folder path (folderGate).
		release, err := s.p.folders.enter(ctx, s.u.Dir)
		if err != nil {
			return fmt.Errorf("%s: waiting for another upload to create the folder: %w", op, err)
		}
		err = s.send(ctx, op, c, body)
		release(err == nil)
		if err == nil {
			s.next++
		}
		return err
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
	// path is always sent: files.ro's document marks it required ("File
	// Chunks Upload": path "yes"), VueFileManager's rule is "sometimes"
	// (UploadChunkRequest.php:29). The server drops the first element
	// (before the leading "/") and the last (the file name)
	// (GetFileParentId.php:14-16), so "/name" makes no folder on either.
	f = append(f, rest.Field{Name: api.FieldPath, Value: "/" + strings.Join(append(append([]string{}, s.u.Dir...), s.u.Name), "/")})
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
			return s.transportFailure(op, c, r)
		}
		s.p.resets.clear(s.u, c)
		resp := r.resp
		raw, rerr := rest.ReadBody(resp)
		switch {
		case rerr != nil:
			// The server answered but the answer broke off: it may well
			// have appended (or stored the file).
			s.tainted, s.noAnswer = true, true
			if c.Last {
				s.p.lost.add(s.u)
			}
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
		if resp.StatusCode == http.StatusUnprocessableEntity && s.u.Size == 0 {
			// How the real server treats an empty chunk is unknown (the
			// official web client cannot send one): stored, or refused as
			// a missing chunk. Both are handled; the refusal is said plainly.
			perr.Message = "files.ro refuses empty files (it found no chunk in the empty upload): " + perr.Message
		}
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
//
// PHP runs the controller only once the whole request body has arrived,
// so a request that failed before its last byte was written cannot have
// been appended (or stored): the key stays clean and the chunk may be
// sent again under it. A request written in full and then left without an
// answer may have been: the key is tainted.
func (s *session) transportFailure(op string, c provider.Chunk, r sent) error {
	if errors.Is(r.err, rest.ErrShortBody) {
		s.tainted = true
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "the local file changed while it was sent", Err: r.err}
	}
	var ne net.Error
	timeout := errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded) || (errors.As(r.err, &ne) && ne.Timeout())
	if r.wroteAll {
		s.tainted = true
		if timeout {
			// Written in full, then silence: the server may be processing
			// it, or have stored the file and lost the answer.
			s.noAnswer = true
			if c.Last {
				s.p.lost.add(s.u)
			}
		}
	}
	if errors.Is(r.err, context.Canceled) {
		// Not a failure of the server: let Classify report the
		// cancellation (rest.TransportError would call it retryable).
		return fmt.Errorf("%s: %w", op, r.err)
	}
	perr := rest.TransportError(op, r.err)
	if !r.wrote || perr.Kind != provider.ErrRetryable || !isReset(r.err) {
		return perr
	}
	// The connection was cut while the body was going out. That is how
	// proxies and servers refuse bodies over their limit, and also what a
	// bad network does now and then. Only the same chunk cut again at the
	// same offset and size is taken for a limit (the engine then steps the
	// chunk size down); a cut elsewhere is retried at the same size.
	if s.p.resets.add(s.u, c) >= resetsForLimit {
		perr.Kind = provider.ErrTooLarge
		perr.Message = fmt.Sprintf("connection cut again while sending the %d-byte chunk at offset %d (a body size limit?)", c.Size, c.Offset)
		return perr
	}
	perr.Message = "connection cut while sending the chunk; trying again at the same size"
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

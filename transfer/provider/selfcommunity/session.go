package selfcommunity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"sync"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
)

// session is one file's upload. The engine calls PutChunk, Finish and
// Abort from one goroutine at a time (parts are sequential); send
// serialises them anyway so a misbehaving caller cannot interleave parts.
type session struct {
	p *Provider
	u provider.Upload

	send sync.Mutex // held for a whole PutChunk or Finish

	mu sync.Mutex // guards st, so State can be read during a transfer
	st state

	// Guarded by send. attempted marks parts sent without an answer the
	// client could trust (a failed request, or the part after the last
	// acknowledged one in a resumed session): the server may hold them.
	attempted map[int]bool
	// preview holds the bytes of the parts acknowledged in this session,
	// in order, for a file a thumbnail may be drawn from (see
	// thumbnail.go); nil otherwise. Guarded by send.
	preview *bytes.Buffer
	// doneMaybe: a done for st.UUID may have reached the server without
	// its answer being read (an attempt here ended without a definitive
	// answer, or the session was resumed from a state the previous process
	// may have finished from). See maybeStored.
	doneMaybe bool
	// resumed: the session was resumed after done, so the previous
	// process may have sent any of the messages from st.Sent on; each is
	// looked for until one is not found. Guarded by send.
	resumed bool
}

var _ provider.Session = (*session)(nil)

func newSession(p *Provider, u provider.Upload, st state) *session {
	s := &session{p: p, u: u, st: st, attempted: map[int]bool{}}
	if p.messaging() && previewable(u) && st.Acked < 0 {
		s.preview = &bytes.Buffer{}
	}
	return s
}

// keepPreview appends acknowledged part c, read again from body, to the
// preview bytes; a part out of order or unreadable drops them (the
// generic thumbnail is sent then). Caller holds s.send.
func (s *session) keepPreview(c provider.Chunk, body io.ReadSeeker) {
	if s.preview == nil {
		return
	}
	if int64(s.preview.Len()) != c.Offset {
		s.preview = nil
		return
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		s.preview = nil
		return
	}
	if n, err := io.Copy(s.preview, io.LimitReader(body, c.Size)); err != nil || n != c.Size {
		s.preview = nil
	}
}

// State returns the persisted form of the acknowledged progress: file
// uuid, last acknowledged part and the MD5 state over those parts.
func (s *session) State() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.encode()
}

func (s *session) snapshot() state {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// PutChunk sends part c.Index (0-based) and returns nil once the server
// acknowledged it with the file uuid. Parts must come in order: a part
// already acknowledged returns nil without a request and without hashing
// it again; a part beyond the next one is ErrPermanent. The part's bytes
// feed the whole-file MD5 as they stream out; the hash advances only when
// the server acknowledges, so a failed attempt never double-hashes.
//
// A one-part file goes through the chunk route, or as a plain upload of
// the file alone once the server refused that (see the package comment).
// A 400 naming the uuid field (the server forgot the file) is
// ErrSessionGone; so is a 400 naming the part index for a part that may
// already be on the server (see the package comment). A part larger than
// the official 204,800 bytes refused with 400 on the file field is
// ErrTooLarge, so the engine steps the size down. The last part refused
// because its uuid is already finalized is taken as sent (see
// lastPartFinalized); the done call then has the final word. The last
// part goes on to done and the thumbnail (see complete), and is repeated
// by the engine until they succeed.
func (s *session) PutChunk(ctx context.Context, c provider.Chunk, body io.ReadSeeker) error {
	s.send.Lock()
	defer s.send.Unlock()
	return s.put(ctx, c, body)
}

// put is PutChunk; caller holds s.send.
func (s *session) put(ctx context.Context, c provider.Chunk, body io.ReadSeeker) error {
	op := fmt.Sprintf("put part %d", c.Index)
	st := s.snapshot()
	if c.Total != st.Parts || c.Index < 0 || c.Index >= st.Parts || c != s.u.Chunk(c.Index) {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "chunk does not match the upload's plan"}
	}
	if c.Index <= st.Acked {
		if c.Last {
			// Acknowledged before, but done or the thumbnail did not
			// complete: the engine repeats the last part until they do.
			if err := consume(op, body, c.Size); err != nil {
				return err
			}
			return s.complete(ctx)
		}
		return nil
	}
	if c.Index != st.Acked+1 {
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op,
			Message: fmt.Sprintf("part %d comes before it: this API takes parts in series", st.Acked+1),
		}
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "rewind chunk", Err: err}
	}
	h, err := loadHash(st.MD5)
	if err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	var feed hash.Hash
	if !s.p.cfg.NoMD5 {
		feed = h
	}
	hr := newHashingReader(body, feed, c.Size)
	fp := &filePart{field: s.p.fields.File, filename: "blob", r: hr, size: c.Size}
	f := s.p.fields
	// A one-part file goes through the chunk route unless this server
	// refused that; then as the official client sends it, a plain upload
	// of the file alone (see the package comment, "One-part files").
	plain := c.Total == 1 && s.p.plainOnePart.Load()
	var fields []field
	if !plain {
		fields = []field{{f.PartIndex, strconv.Itoa(c.Index)}, {f.TotalParts, strconv.Itoa(c.Total)}}
		if c.Index > 0 {
			fields = append(fields, field{f.UUID, st.UUID})
		}
		fields = s.fileFields(fields)
		fields = append(fields,
			field{f.PartByteOffset, strconv.FormatInt(c.Offset, 10)},
			field{f.ChunkSize, strconv.FormatInt(c.Size, 10)})
	}
	hdr := http.Header{}
	if c.Size > 0 {
		// The official client (react-uploady) sends this on every part.
		hdr.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", c.Offset, c.Offset+c.Size-1, s.u.Size))
	}
	resp, err := s.p.postForm(ctx, op, "", fields, fp, hdr)
	served := hr.Close()
	if err != nil {
		s.attempted[c.Index] = true
		return err
	}
	if resp.StatusCode/100 != 2 {
		perr, se := responseError(op, resp, f, c.Index > 0)
		if c.Total == 1 && !plain && resp.StatusCode == http.StatusBadRequest && se.has(f.PartIndex, f.TotalParts) {
			// The server does not take a one-part chunk upload: from now
			// on one-part files go the official client's way.
			s.p.plainOnePart.Store(true)
			return s.put(ctx, c, body)
		}
		if c.Index > 0 && c.Index == st.Parts-1 {
			if alreadyFinalized(resp.StatusCode, se, f) {
				return s.lastPartFinalized(ctx, op, c, body, st)
			}
			s.maybeStored(perr, se)
		}
		if resp.StatusCode == http.StatusBadRequest && se.has(f.File) && c.Size > DefaultChunkSize &&
			!errors.Is(perr, provider.ErrTooLarge) && !errors.Is(perr, provider.ErrSessionGone) {
			// The official client's parts are 204,800 bytes; a server
			// refusing a larger part's file (a size validator, whatever its
			// code) is asked again with smaller ones: the engine steps the
			// part size down on ErrTooLarge.
			perr.Kind = provider.ErrTooLarge
			perr.Message += fmt.Sprintf(" (a part of %d bytes was refused; retrying with smaller parts)", c.Size)
		}
		if resp.StatusCode == http.StatusBadRequest && se.has(f.PartIndex) && s.attempted[c.Index] {
			perr.Kind = provider.ErrSessionGone
			perr.Message += " (the server may hold this part from an unacknowledged attempt; restarting the file)"
		}
		s.attempted[c.Index] = true
		return perr
	}
	var ack api.FileResponse
	if err := rest.DecodeJSON(op, resp, &ack); err != nil {
		s.attempted[c.Index] = true
		return err
	}
	switch {
	case ack.FileUUID == "":
		s.attempted[c.Index] = true
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode, Message: "answer carries no file_uuid"}
	case c.Index > 0 && ack.FileUUID != st.UUID:
		s.attempted[c.Index] = true
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode,
			Message: fmt.Sprintf("server answered for file %q, not %q", ack.FileUUID, st.UUID),
		}
	case served != c.Size:
		// The hash must cover exactly this part; a server that answered
		// before reading it all cannot have stored it either.
		s.attempted[c.Index] = true
		return &provider.Error{
			Kind: provider.ErrRetryable, Op: op, Status: resp.StatusCode,
			Message: fmt.Sprintf("server answered after %d of %d bytes", served, c.Size),
		}
	}
	s.ack(c, ack.FileUUID, h)
	s.keepPreview(c, body)
	if !c.Last {
		return nil
	}
	if c.Index == 0 {
		// A one-part file: no state with its uuid was saved yet, and done
		// makes the file visible. Saved first, a process killed after done
		// resumes this upload (done again, "already finalized") instead of
		// storing a second copy.
		if err := provider.Checkpoint(ctx); err != nil {
			return fmt.Errorf("%s: save the upload's state before done: %w", op, err)
		}
	}
	return s.complete(ctx)
}

// consume reads a part the server already holds, as the engine expects
// of a nil return; a part shorter than planned is ErrPermanent (the file
// shrank).
func consume(op string, body io.ReadSeeker, size int64) error {
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "rewind chunk", Err: err}
	}
	n, err := io.Copy(io.Discard, io.LimitReader(body, size))
	if err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "read chunk", Err: err}
	}
	if n != size {
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op, Err: rest.ErrShortBody,
			Message: fmt.Sprintf("local file shrank: part has %d of %d bytes", n, size),
		}
	}
	return nil
}

// ack records part c as acknowledged for file uuid with h the MD5 over
// parts 0..c.Index. Caller holds s.send.
func (s *session) ack(c provider.Chunk, uuid string, h hash.Hash) {
	s.mu.Lock()
	s.st.UUID, s.st.Acked = uuid, c.Index
	s.st.Hashed += c.Size
	s.st.MD5 = marshalHash(h)
	s.mu.Unlock()
	delete(s.attempted, c.Index)
}

// lastPartFinalized handles the last part refused because the server has
// already finalized the file uuid. The uuid was issued to this upload and
// only its own done call finalizes it, which is sent only after every part
// was acknowledged; so this is the resume, from the state saved before the
// last part, after a crash that came after that done reached the server
// and before the result was recorded. The part is taken as acknowledged
// (its bytes are read and hashed so the state stays consistent and the
// caller sees the whole chunk consumed), and done is sent again (see
// complete): the server's answer to it decides, so a server whose
// refusal meant something else still cannot make an unfinished upload
// count as stored. Returns ErrPermanent if the local part is shorter than
// planned (the file shrank). Caller holds s.send.
func (s *session) lastPartFinalized(ctx context.Context, op string, c provider.Chunk, body io.ReadSeeker, st state) error {
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "rewind chunk", Err: err}
	}
	h, err := loadHash(st.MD5)
	if err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	n, err := io.Copy(h, io.LimitReader(body, c.Size))
	if err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "read chunk", Err: err}
	}
	if n != c.Size {
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op, Err: rest.ErrShortBody,
			Message: fmt.Sprintf("local file shrank: part has %d of %d bytes", n, c.Size),
		}
	}
	s.ack(c, st.UUID, h)
	s.keepPreview(c, body)
	return s.complete(ctx)
}

// fileFields appends the optional whole-file description to fields: the
// name, then typeAndSize.
func (s *session) fileFields(fields []field) []field {
	return append(append(fields, field{s.p.fields.FileName, s.u.Name}), s.typeAndSize()...)
}

// typeAndSize are the MIME type (when the extension tells it) and the
// whole file's size.
func (s *session) typeAndSize() []field {
	f := s.p.fields
	var out []field
	if t := mime.TypeByExtension(path.Ext(s.u.Name)); t != "" {
		out = append(out, field{f.FileType, t})
	}
	return append(out, field{f.TotalFileSize, strconv.FormatInt(s.u.Size, 10)})
}

// maybeStored marks perr with provider.ErrMaybeStored when it is a
// refusal naming the uuid (ErrSessionGone) while a done of this upload may
// have reached the server: the refusal was not recognised as "already
// finalized" (see finalizedCode), yet it may mean just that, so the file
// is sent again and the engine warns that the server may hold it twice.
// When the uuid merely expired the warning is a false alarm; the two
// answers cannot be told apart without knowing the server's codes.
func (s *session) maybeStored(perr *provider.Error, se serverError) {
	if !s.doneMaybe || !errors.Is(perr, provider.ErrSessionGone) || !se.has(s.p.fields.UUID) || perr.Err != nil {
		return
	}
	perr.Err = provider.ErrMaybeStored
	perr.Message += " (an earlier done of this upload may have stored the file; the answer is not a recognised \"already finalized\", so the file is sent again)"
}

// Abort has nothing to clean up: the API has no call to delete parts, and
// parts without a done call never become a visible file (the server
// expires them). It returns nil.
func (s *session) Abort(context.Context) error { return nil }

package quatrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix/api"
)

const stateVersion = 1

// state is what Session.State persists. It names the server-side objects
// the session owns so a later run can clean them up; it never holds a
// credential (the upload key authorises chunk POSTs only, expires after 15
// idle minutes, and is deleted with the placeholder).
type state struct {
	Version   int    `json:"v"`
	UploadKey string `json:"upload_key"`
	FileID    string `json:"file_id"`
	ParentID  string `json:"parent_id"`
	Name      string `json:"name"`
	// Placeholder is true when /upload/link created FileID for this upload
	// (delete it on failure), false when /file/modify reopened an existing
	// file (never delete it).
	Placeholder bool  `json:"placeholder"`
	Size        int64 `json:"size"`
	Acked       int64 `json:"acked"` // bytes acknowledged, in order from 0
}

// session is one file's upload. The engine calls its methods from one
// goroutine at a time (chunks are sequential), but the mutex keeps State
// consistent when it is read from another goroutine.
type session struct {
	p       *Provider
	u       provider.Upload
	release func() // ends this upload's hold on the keepalive loop

	mu sync.Mutex // guards st
	st state
}

// State returns the JSON of the session state after the last acknowledged chunk.
func (s *session) State() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(s.st)
	if err != nil {
		panic("quatrix: state is always encodable: " + err.Error())
	}
	return b
}

// PutChunk POSTs c to /upload/chunked/{key} with Content-Range
// "bytes S-E/T". The server writes at S, so repeating a chunk is harmless;
// a gap (a chunk after one that was never acknowledged) is refused before
// sending. The empty chunk of a zero-byte file sends nothing: finalize
// alone creates an empty file. When the server no longer knows the key
// (expired, consumed, file deleted) the placeholder is deleted and the
// error wraps provider.ErrSessionGone; a 413 (provider.ErrTooLarge) also
// deletes it, since the engine restarts the file with smaller chunks.
func (s *session) PutChunk(ctx context.Context, c provider.Chunk, body io.ReadSeeker) error {
	op := fmt.Sprintf("quatrix put chunk %d", c.Index)
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	if c.Size == 0 {
		if st.Size != 0 {
			return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "empty chunk in a non-empty file"}
		}
		return nil
	}
	if c.Offset < 0 || c.Size < 0 || c.Offset+c.Size > st.Size {
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op,
			Message: fmt.Sprintf("chunk %d+%d lies outside the %d-byte file", c.Offset, c.Size, st.Size),
		}
	}
	if c.Offset > st.Acked {
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op,
			Message: fmt.Sprintf("chunk at %d would leave a gap after %d acknowledged bytes; quatrix chunks are sequential", c.Offset, st.Acked),
		}
	}
	h := http.Header{}
	h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", c.Offset, c.Offset+c.Size-1, st.Size))
	h.Set("Content-Type", "application/octet-stream")
	var fileID string
	err := s.p.call(ctx, request{
		op: op, method: http.MethodPost, path: "/upload/chunked/" + url.PathEscape(st.UploadKey),
		body: body, size: c.Size, header: h,
	}, &fileID)
	if err != nil {
		return s.failed(ctx, err)
	}
	if fileID == "" {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "the server acknowledged the chunk without a file id"}
	}
	s.mu.Lock()
	s.st.Acked = c.Offset + c.Size
	s.mu.Unlock()
	return nil
}

// Finish calls GET /upload/finalize/{key}?mtime= with microsecond
// precision and checks the stored size (and file id) against the upload: a
// mismatch is an error wrapping provider.ErrPermanent, never a success. It
// refuses to finalize before every byte was acknowledged, so a truncated
// file is never committed.
func (s *session) Finish(ctx context.Context) (provider.Result, error) {
	const op = "quatrix finalize"
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	if st.Acked != st.Size {
		return provider.Result{}, &provider.Error{
			Kind: provider.ErrPermanent, Op: op,
			Message: fmt.Sprintf("only %d of %d bytes were acknowledged", st.Acked, st.Size),
		}
	}
	q := url.Values{}
	if !s.u.ModTime.IsZero() {
		q.Set("mtime", formatMtime(s.u.ModTime))
	}
	var out api.Finalize
	err := s.p.call(ctx, request{
		op: op, method: http.MethodGet, path: apiRoot + "/upload/finalize/" + url.PathEscape(st.UploadKey), query: q,
	}, &out)
	if err != nil {
		return provider.Result{}, s.failed(ctx, err)
	}
	if out.Size != st.Size {
		return provider.Result{}, &provider.Error{
			Kind: provider.ErrPermanent, Op: op,
			Message: fmt.Sprintf("the server stored %d bytes, expected %d", out.Size, st.Size),
		}
	}
	if out.ID != "" && out.ID != st.FileID {
		return provider.Result{}, &provider.Error{
			Kind: provider.ErrPermanent, Op: op,
			Message: "the server finalized another file id than the upload's",
		}
	}
	s.release()
	return provider.Result{
		RemoteID:   st.FileID,
		RemoteName: st.Name,
		RemotePath: strings.Join(append(append([]string(nil), s.u.Dir...), st.Name), "/"),
		Link:       s.p.publicLink(ctx, out.ParentID, st.FileID),
		Size:       out.Size,
	}, nil
}

// Abort deletes the placeholder this session created (permanently: it held
// no user data). After an overwrite it deletes nothing: the original file
// keeps its id, and the key is simply abandoned (the sandbox keeps the old
// content until finalize; on the real server the file may be left
// truncated or partly written, which the next upload overwrites again).
// Abort is idempotent; a placeholder already gone is not an error.
func (s *session) Abort(ctx context.Context) error {
	defer s.release()
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	if !st.Placeholder {
		return nil
	}
	if err := s.p.deletePlaceholder(ctx, st.FileID); err != nil {
		return err
	}
	// Nothing left to clean: a second Abort (the engine's, after failed
	// already deleted) sends no request.
	s.mu.Lock()
	s.st.Placeholder = false
	s.mu.Unlock()
	return nil
}

// failed handles an error from a chunk or finalize call. When the engine
// will restart the file with a new Begin (the upload session is gone, or a
// chunk was too large and the engine steps the chunk size down), the
// placeholder is deleted right away, so the new Begin (resolve=true under
// the rename policy) cannot produce a "name(1).ext" copy next to a stale
// empty file. Other failures keep the session for a retry or an Abort.
func (s *session) failed(ctx context.Context, err error) error {
	if !errors.Is(err, provider.ErrSessionGone) && !errors.Is(err, provider.ErrTooLarge) {
		return err
	}
	if cleanup := s.Abort(ctx); cleanup != nil {
		return errors.Join(err, fmt.Errorf("quatrix delete placeholder before the restart: %w", cleanup))
	}
	return err
}

// formatMtime renders t as Unix seconds with exactly six decimals (what the
// server stores), without a float's rounding errors.
func formatMtime(t time.Time) string {
	us := t.UnixMicro()
	sign := ""
	if us < 0 {
		sign, us = "-", -us
	}
	return fmt.Sprintf("%s%d.%06d", sign, us/1e6, us%1e6)
}

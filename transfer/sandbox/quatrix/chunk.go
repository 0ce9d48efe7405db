package quatrix

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// chunk is POST /upload/chunked/{key} at the host root: raw bytes written
// at the Content-Range start (a re-sent chunk overwrites from its start; a
// gap is refused). The key alone authorises it (the C# SDK sends no auth).
// A body that breaks off keeps nothing of that chunk. Answers 200 with the
// file id as a JSON string (Q-CHUNK: rclone/rclone@64ab1ac32260
// backend/quatrix/quatrix.go:1221-1242; Q-CHUNK-AUTH for the key-only
// authorisation, from the C# SDK's FileChunkUpload.cs).
func (a *API) chunk(w http.ResponseWriter, r *http.Request) {
	if f, ok := a.nextFault(); ok {
		a.injectFault(w, r, f)
		return
	}
	acc, e := a.chunkAuth(r)
	if e != nil {
		writeError(w, e)
		return
	}
	start, end, total, ok := parseContentRange(r.Header.Get("Content-Range"))
	if !ok {
		writeError(w, errf(400, codeBadParameter, "Content-Range must be \"bytes start-end/total\""))
		return
	}
	u, e := a.useKey(r.PathValue("key"))
	if e != nil {
		writeError(w, e)
		return
	}
	defer a.release(u)
	if e := a.checkChunk(u, acc, r.ContentLength, start, end, total); e != nil {
		writeError(w, e)
		return
	}
	if err := u.blob.Truncate(start); err != nil {
		writeError(w, a.blobError(u, err))
		return
	}
	// Read one byte more than may fit, to catch a body past total.
	n, err := io.Copy(u.blob, io.LimitReader(r.Body, total-start+1))
	if err == nil && r.ContentLength >= 0 && n != r.ContentLength {
		err = errIncomplete
	}
	if e := a.checkBody(n, err, start, end, total); e != nil {
		if terr := u.blob.Truncate(start); terr != nil {
			writeError(w, a.blobError(u, terr))
			return
		}
		writeError(w, e)
		return
	}
	a.mu.Lock()
	u.received, u.total, u.lastUse = start+n, total, a.env.Now()
	a.mu.Unlock()
	writeFileID(w, u.fileID)
}

// errIncomplete is a body shorter than its Content-Length.
var errIncomplete = errors.New("request body ended early")

// checkChunk applies the header checks of §11.15 before reading the body
// (Q-CHUNK; the end check is S-RANGEEND, strict only: rclone sent an
// exclusive end until its commit 2abeda596 and production accepted it).
func (a *API) checkChunk(u *upload, acc *account, length, start, end, total int64) *apiError {
	if e := ownerMismatch(acc, u); e != nil {
		return e
	}
	a.mu.Lock()
	received, known, declared := u.received, u.total, u.declared
	a.mu.Unlock()
	switch {
	case declared >= 0 && total != declared:
		return errf(400, codeBadParameter, "Content-Range total %d differs from file_size %d", total, declared)
	case known >= 0 && total != known:
		return errf(400, codeBadParameter, "Content-Range total %d differs from the earlier chunks' %d", total, known)
	case start > received:
		return errf(400, codeBadParameter, "chunk starts at %d but only %d bytes were received: chunks must be sequential", start, received)
	case length == 0:
		return errf(400, codeBadParameter, "empty chunk")
	case length > 0 && start+length > total:
		return errf(400, codeBadParameter, "chunk %d+%d goes past the total %d", start, length, total)
	case length > 0 && a.env.Switches.On(SwitchRangeEnd) && end != start+length-1:
		return errf(400, codeBadParameter, "Content-Range end %d must be start+length-1 = %d", end, start+length-1)
	}
	return nil
}

// checkBody applies the checks that need the body's real length (bodies
// sent with Transfer-Encoding: chunked have no Content-Length).
func (a *API) checkBody(n int64, err error, start, end, total int64) *apiError {
	switch {
	case err != nil:
		return errf(400, codeBadParameter, "reading the chunk: %v", err)
	case n == 0:
		return errf(400, codeBadParameter, "empty chunk")
	case start+n > total:
		return errf(400, codeBadParameter, "chunk goes past the total %d", total)
	case a.env.Switches.On(SwitchRangeEnd) && end != start+n-1:
		return errf(400, codeBadParameter, "Content-Range end %d must be start+length-1 = %d", end, start+n-1)
	}
	return nil
}

// blobError maps a blob failure: the file was deleted under the upload
// (the blob was discarded) or a real disk error.
func (a *API) blobError(u *upload, err error) *apiError {
	a.mu.Lock()
	gone := u.gone || u.expired
	a.mu.Unlock()
	if gone || errors.Is(err, sandbox.ErrBlobClosed) {
		return errf(a.cfg.UnknownKeyStatus, codeNotFound, "the upload is gone")
	}
	return errf(500, -1, "storing the chunk: %v", err)
}

// injectFault answers a chunk POST with a programmed failure: a status
// (with Retry-After) or a connection dropped after half the body.
func (a *API) injectFault(w http.ResponseWriter, r *http.Request, f chunkFault) {
	if f.status != 0 {
		_, _ = io.Copy(io.Discard, r.Body) // read it, so the client sees the answer rather than a reset
		retryAfter(w, f.retryAfter)
		writeError(w, errf(f.status, -1, "injected failure"))
		return
	}
	half := r.ContentLength / 2
	_, _ = io.CopyN(io.Discard, r.Body, half) // the connection is dropped whatever was read
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable: abort the handler, which makes net/http close
		// the connection without an answer all the same.
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if tc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // RST instead of FIN; a FIN would do if this failed
	}
	_ = raw.Close() // the close is the fault being injected
}

// multipart (Q-MULTIPART, document only: DOC-UP in
// shared/protocols/quatrix.md §1) is POST /upload/multipart/{key}: the whole file as the one
// part named "file" of a multipart/form-data body. It consumes the key; no
// finalize follows.
func (a *API) multipart(w http.ResponseWriter, r *http.Request) {
	acc, e := a.chunkAuth(r)
	if e != nil {
		writeError(w, e)
		return
	}
	mr, err := multipartReader(r)
	if err != nil {
		writeError(w, errf(400, codeBadParameter, "the body must be multipart/form-data: %v", err))
		return
	}
	u, e := a.useKey(r.PathValue("key"))
	if e != nil {
		writeError(w, e)
		return
	}
	if e := ownerMismatch(acc, u); e != nil {
		a.release(u)
		writeError(w, e)
		return
	}
	if e := a.readMultipart(u, mr); e != nil {
		_ = u.blob.Truncate(u.base) // undo; the key stays usable (a failure here surfaces on the next use)
		a.release(u)
		writeError(w, e)
		return
	}
	n, err := a.env.Store.Fill(Name, u.fileID, u.blob, time.UnixMicro(a.env.Now().UnixMicro()))
	a.mu.Lock()
	a.finished(u)
	a.mu.Unlock()
	if err != nil {
		writeError(w, errf(404, codeNotFound, "the file of this upload is gone: %v", err))
		return
	}
	writeFileID(w, n.ID)
}

// multipartReader is r.MultipartReader over a buffered body (see
// sandbox.BufferBody), with the same errors for a body that is not
// multipart/form-data or has no boundary.
func multipartReader(r *http.Request) (*multipart.Reader, error) {
	v := r.Header.Get("Content-Type")
	if v == "" {
		return nil, http.ErrNotMultipart
	}
	mt, params, err := mime.ParseMediaType(v)
	switch {
	case err != nil:
		return nil, err
	case mt != "multipart/form-data" && mt != "multipart/mixed":
		return nil, http.ErrNotMultipart
	case params["boundary"] == "":
		return nil, http.ErrMissingBoundary
	}
	return multipart.NewReader(sandbox.BufferBody(r.Body, r.ContentLength), params["boundary"]), nil
}

// readMultipart stores the single "file" part after the kept prefix and
// checks the size against file_size when one was declared.
func (a *API) readMultipart(u *upload, mr *multipart.Reader) *apiError {
	if err := u.blob.Truncate(u.base); err != nil {
		return a.blobError(u, err)
	}
	files := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errf(400, codeBadParameter, "reading the multipart body: %v", err)
		}
		if part.FormName() != "file" || files > 0 {
			part.Close()
			return errf(400, codeBadParameter, "the body must hold exactly one part, named \"file\"; got %q", part.FormName())
		}
		files++
		_, err = io.Copy(u.blob, part)
		part.Close()
		if err != nil {
			return errf(400, codeBadParameter, "reading the file part: %v", err)
		}
	}
	if files == 0 {
		return errf(400, codeMissingParameter, "missing the \"file\" part")
	}
	a.mu.Lock()
	declared := u.declared
	a.mu.Unlock()
	if size := u.blob.Size(); declared >= 0 && size != declared {
		return errf(400, codeBadParameter, "received %d bytes, file_size is %d", size, declared)
	}
	return nil
}

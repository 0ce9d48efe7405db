package twake

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// bodyLimit is Fastify's default bodyLimit for parsed (non-multipart)
// bodies; maxField caps one multipart text field.
const (
	bodyLimit = 1 << 20
	maxField  = 64 << 10
	// maxDrain bounds what the sandbox reads of a body it refuses, so the
	// client sees the answer instead of a reset while it is still sending.
	maxDrain = 256 << 20
)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// pathOK applies SwitchPath to the ids in the path.
func (a *API) pathOK(r *http.Request, names ...string) bool {
	if !a.strict(SwitchPath) {
		return true
	}
	for _, n := range names {
		if !uuidRE.MatchString(r.PathValue(n)) {
			return false
		}
	}
	return true
}

func drain(r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxDrain)) // the answer is already decided
}

// handleInit is route 1: without a multipart body it creates an empty
// entity (query parameters are ignored, notes §1.3); with one it is the
// classic one-shot upload (§1.10 rule 4).
func (a *API) handleInit(w http.ResponseWriter, r *http.Request) {
	if !a.pathOK(r, "company_id") {
		drain(r)
		a.handleNotFound(w, r)
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		a.oneShot(w, r)
		return
	}
	if !a.readInitBody(w, r, ct) {
		return
	}
	if a.strict(SwitchThumbnailSync) && r.URL.Query().Get(api.QThumbnailSync) != "" {
		writeStrict(w, "thumbnail_sync on the init call makes Twake Drive answer 500 (metadata is still null); omit it")
		return
	}
	f, err := a.newFile(r.PathValue("company_id"), claimsOf(r))
	if err != nil {
		writeInternal(w)
		return
	}
	f.mu.Lock()
	pf := f.public()
	f.mu.Unlock()
	sandbox.WriteJSON(w, http.StatusOK, api.FileResponse{Resource: pf})
}

// readInitBody applies Fastify's body parsing to a non-multipart init: a
// body is allowed and ignored (the official client sends "{}" as
// text/plain), but an empty or invalid body declared as JSON is a 400 and
// anything over the body limit a 413. It writes the error and returns
// false when the request is refused.
func (a *API) readInitBody(w http.ResponseWriter, r *http.Request, ct string) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, bodyLimit+1))
	switch {
	case err != nil:
		writeError(w, http.StatusBadRequest, "reading the body failed")
		return false
	case len(body) > bodyLimit:
		drain(r)
		writeError(w, http.StatusRequestEntityTooLarge, "Request body is too large")
		return false
	case ct == "application/json" && len(body) == 0:
		sandbox.WriteJSON(w, http.StatusBadRequest, map[string]any{
			"statusCode": 400,
			"code":       "FST_ERR_CTP_EMPTY_JSON_BODY", "error": "Bad Request",
			"message": "Body cannot be empty when content-type is set to 'application/json'",
		})
		return false
	case ct == "application/json" && !json.Valid(body):
		writeError(w, http.StatusBadRequest, "Unexpected token in JSON body")
		return false
	}
	return true
}

// oneShot creates an entity and stores the multipart file as its chunk 1
// (or the chunk_number given), with upload_data.size the bytes received.
func (a *API) oneShot(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if a.strict(SwitchChunkRange) {
		if err := strictNames(q); err != nil {
			drain(r)
			writeStrict(w, err.Error())
			return
		}
	}
	in, ok := a.receive(w, r, q, nil)
	if !ok {
		return
	}
	f, err := a.newFile(r.PathValue("company_id"), claimsOf(r))
	if err != nil {
		in.discard()
		writeInternal(w)
		return
	}
	a.applyChunk(w, r, f, in)
}

// handleSlashInit serves ".../files/": the real router probably gives
// route 2 an empty id, which the service takes as "create" (notes §1.1).
// Strict, it is the not-found answer the Go client must never provoke.
func (a *API) handleSlashInit(w http.ResponseWriter, r *http.Request) {
	if a.strict(SwitchPath) {
		drain(r)
		a.handleNotFound(w, r)
		return
	}
	a.authed(a.handleInit)(w, r)
}

// handleChunk is route 2: one chunk of an existing entity.
func (a *API) handleChunk(w http.ResponseWriter, r *http.Request) {
	if !a.pathOK(r, "company_id", "id") {
		drain(r)
		a.handleNotFound(w, r)
		return
	}
	q := r.URL.Query()
	if a.strict(SwitchChunkRange) {
		if err := strictParams(q); err != nil {
			drain(r)
			writeStrict(w, err.Error())
			return
		}
	}
	// The file is looked up before the body is read, so the chunk can be
	// written straight to its place in the file's assembly.
	f := a.lookup(r.PathValue("company_id"), r.PathValue("id"))
	in, ok := a.receive(w, r, q, f)
	if !ok {
		return
	}
	if f == nil {
		in.discard()
		a.writeUnknownFile(w)
		return
	}
	a.applyChunk(w, r, f, in)
}

// strictNames is the part of strictParams that applies to a one-shot
// upload, where chunk parameters are optional.
func strictNames(q url.Values) error {
	for _, n := range paramNames {
		if r, s := q.Get(n[0]), q.Get(n[1]); q.Has(n[0]) && q.Has(n[1]) && r != s {
			return errors.New(n[0] + " and " + n[1] + " disagree")
		}
	}
	return nil
}

// applyChunk runs the service's chunk logic (notes §1.4) on f and answers.
func (a *API) applyChunk(w http.ResponseWriter, r *http.Request, f *file, in *incoming) {
	p := in.p
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted {
		in.discardLocked(f)
		a.writeUnknownFile(w)
		return
	}
	if a.strict(SwitchSamePlan) && f.plan != nil && !samePlan(*f.plan, p) {
		in.discardLocked(f)
		writeStrict(w, "total_chunks, total_size, filename and type must be the same on every chunk of a file")
		return
	}
	if a.strict(SwitchThumbnailSync) && p.Thumbnail && p.TotalChunks > 1 {
		in.discardLocked(f)
		writeStrict(w, "thumbnail_sync on a multi-chunk upload waits for a preview that is never made; omit it")
		return
	}
	c := claimsOf(r)
	// The first chunk to arrive fixes metadata and upload_data; later chunks
	// from a plain user cannot change them (only a caller whose JWT names
	// an application, and server requests).
	if (c.ApplicationID != "" || f.uploadData == nil || f.uploadData.Size == 0 || c.ServerRequest) &&
		(f.uploadData == nil || f.uploadData.Size != p.TotalSize || f.metadata == nil || f.metadata.Name != p.Filename) {
		f.metadata = &api.Metadata{Name: p.Filename, Mime: p.Type, ThumbnailsStatus: "done"}
		f.uploadData = &api.UploadData{Size: p.TotalSize, Chunks: p.TotalChunks}
	}
	if f.plan == nil {
		plan := p
		f.plan = &plan
	}
	if in.region != nil {
		b, err := a.closeRegion(f, in.region)
		in.region = nil
		if err != nil {
			writeInternal(w)
			return
		}
		in.blob = b // nil: the chunk is in place; else stored separately below
		if n := f.chunks[p.ChunkNumber].size; b == nil && f.uploadData.Chunks == 1 && n > 0 {
			f.uploadData.Size = n
		}
	}
	if in.blob != nil {
		n, err := a.storeChunk(f, p.ChunkNumber, in.blob)
		if err != nil {
			writeInternal(w)
			return
		}
		if f.uploadData.Chunks == 1 && n > 0 {
			f.uploadData.Size = n
		}
	}
	f.updated = a.env.Now().UnixMilli()
	if err := a.publish(f); err != nil {
		writeInternal(w)
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, api.FileResponse{Resource: f.public()})
}

func samePlan(a, b params) bool {
	return a.TotalChunks == b.TotalChunks && a.TotalSize == b.TotalSize && a.Filename == b.Filename && a.Type == b.Type
}

// incoming is a received multipart chunk: in its own blob, or written
// into its file's assembly (region); neither when the request had no file
// part.
type incoming struct {
	p      params
	blob   *sandbox.Blob
	region *region
	f      *file // the file of region
}

// discard drops what was received; the caller does not hold in.f.mu.
func (in *incoming) discard() {
	if in.region != nil {
		in.f.mu.Lock()
		defer in.f.mu.Unlock()
	}
	in.discardLocked(in.f)
}

// discardLocked is discard for a caller holding f.mu.
func (in *incoming) discardLocked(f *file) {
	if in.blob != nil {
		in.blob.Discard()
	}
	if in.region != nil {
		dropRegion(f, in.region)
		in.region = nil
	}
}

// receive reads a multipart chunk request: parameters from the query
// string (falling back to the part's filename and type like the real
// controller), the first file part into its place in f's assembly when
// f is known and the place is, else into a blob of its own. It writes the
// error and returns false when the request is refused.
func (a *API) receive(w http.ResponseWriter, r *http.Request, q url.Values, f *file) (*incoming, bool) {
	br := bodyBufs.Get().(*bufio.Reader)
	defer func() {
		br.Reset(nil) // keep no request body alive in the pool
		bodyBufs.Put(br)
	}()
	mr, err := multipartReader(r, br)
	if err != nil {
		drain(r)
		writeError(w, http.StatusNotAcceptable, "the request is not multipart")
		return nil, false
	}
	in := &incoming{p: parseParams(q), f: f}
	form := url.Values{}
	var refuse string
	var partName, partType string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			in.discard()
			writeError(w, http.StatusBadRequest, "malformed multipart body")
			return nil, false
		}
		switch {
		case part.FileName() == "" && part.FormName() != "":
			v, _ := io.ReadAll(io.LimitReader(part, maxField))
			form.Add(part.FormName(), string(v))
		case in.blob == nil && in.region == nil && refuse == "":
			if a.strict(SwitchFilePart) && part.FormName() != api.FilePart {
				refuse = "the file part must be named \"file\", got " + strconvQuote(part.FormName())
				break
			}
			partName, partType = part.FileName(), part.Header.Get("Content-Type")
			if !a.receivePart(w, in, q, part) {
				return nil, false
			}
		case a.strict(SwitchFilePart):
			refuse = "exactly one file part is allowed"
		}
		part.Close()
	}
	if refuse == "" && in.blob == nil && in.region == nil && a.strict(SwitchFilePart) {
		refuse = "no file part named \"file\""
	}
	if refuse == "" && a.strict(SwitchFormParams) {
		if name := formOnly(q, form); name != "" {
			refuse = name + " was sent only in the multipart form; the server reads parameters from the query string only"
		}
	}
	if refuse != "" {
		in.discard()
		writeStrict(w, refuse)
		return nil, false
	}
	if in.p.Filename == "" {
		in.p.Filename = partName
	}
	if in.p.Type == "" {
		in.p.Type = partType
	}
	return in, true
}

// receivePart stores the file part: into its region when openRegion
// finds one, else into a new blob. It writes the error and returns false
// when the body broke off or storage failed.
func (a *API) receivePart(w http.ResponseWriter, in *incoming, q url.Values, part io.Reader) bool {
	var err error
	if in.f != nil {
		in.region, err = a.openRegion(in.f, in.p, hint(q))
		if err != nil {
			writeInternal(w)
			return false
		}
	}
	if in.region != nil {
		_, err = a.fillRegion(in.region, part)
	} else {
		in.blob, err = a.env.Store.NewBlob()
		if err != nil {
			writeInternal(w)
			return false
		}
		_, err = in.blob.ReadFrom(part)
	}
	if err != nil {
		in.discard()
		if errors.Is(err, sandbox.ErrBlobClosed) {
			// The file was deleted while its chunk arrived.
			a.writeUnknownFile(w)
			return false
		}
		// The client went away or broke the body off: nothing is stored.
		writeError(w, http.StatusBadRequest, "the file part broke off")
		return false
	}
	return true
}

// bodyBufs holds the large read buffers of chunk bodies. The multipart
// reader of net/http reads through a 4 KiB buffer, which made one read
// system call per 4 KiB of every chunk (a quarter of the sandbox's time
// per chunk); a multipart.Reader built on a larger *bufio.Reader uses it
// as is.
var bodyBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, copyBufSize) }}

// multipartReader is r.MultipartReader reading through br, reset to r.Body:
// an error unless the body is multipart/form-data with a boundary.
func multipartReader(r *http.Request, br *bufio.Reader) (*multipart.Reader, error) {
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return nil, http.ErrNotMultipart
	}
	boundary, ok := params["boundary"]
	if !ok || boundary == "" {
		return nil, http.ErrMissingBoundary
	}
	br.Reset(r.Body)
	return multipart.NewReader(br, boundary), nil
}

func strconvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

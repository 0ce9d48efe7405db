package twake

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"

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
// entity, query parameters ignored (TW-INIT-1: linagora/Twake@39f533e5e838 twake/backend/node/src/
// services/files/services/index.ts:64-79); with one it is the one-shot
// upload (TW-ONESHOT).
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
	if a.strict(SwitchThumbnailSync) && r.URL.Query().Get(qThumbnailSync) != "" {
		writeStrict(w, "thumbnail_sync on the init call does nothing (there is no file to wait for); omit it")
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
	sandbox.WriteJSON(w, http.StatusOK, fileResponse{Resource: pf})
}

// readInitBody applies Fastify's body parsing to a non-multipart init
// (TW-INIT-2, document only: Fastify 3 defaults): a
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
// route 2 an empty id, which the service takes as "create" (TW-ROUTE-2,
// inferred; SwitchPath makes it a 404).
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

// applyChunk runs the service's chunk logic (FileServiceImpl.save,
// linagora/Twake@39f533e5e838 twake/backend/node/src/services/files/
// services/index.ts:81-178, F: below) on f and answers.
func (a *API) applyChunk(w http.ResponseWriter, r *http.Request, f *file, in *incoming) {
	p := in.p
	f.mu.Lock()
	if f.deleted {
		in.discardLocked(f)
		f.mu.Unlock()
		a.writeUnknownFile(w)
		return
	}
	if a.env.Switches.OnDefault(SwitchInitRace, false) && !f.sawChunk {
		// TW-FILES-INIT-2 fault: the init's save (F:78, not awaited) has
		// not landed: findOne misses and save throws (F:59-61).
		f.sawChunk = true
		in.discardLocked(f)
		f.mu.Unlock()
		writeInternal(w)
		return
	}
	f.sawChunk = true
	if msg := a.planRefusal(f, p); msg != "" {
		in.discardLocked(f)
		f.mu.Unlock()
		writeStrict(w, msg)
		return
	}
	wait, ok := a.storeLocked(w, r, f, in)
	pf := f.public()
	f.mu.Unlock()
	if !ok {
		return
	}
	if wait && p.Thumbnail && !a.tdrive() {
		// thumbnail_sync (read only here, for one-chunk files, F:155-164;
		// TDL never waits): the answer is the entity re-read after the wait.
		wf, err := a.waitForThumbnail(f.company, f.id)
		if err != nil {
			writeInternal(w) // getPublicObject() of null
			return
		}
		wf.mu.Lock()
		pf = wf.public()
		wf.mu.Unlock()
	}
	sandbox.WriteJSON(w, http.StatusOK, fileResponse{Resource: pf})
}

// storeLocked is the part of applyChunk under f.mu: it fixes metadata and
// upload_data, stores the chunk and asks for a preview. It reports whether
// the file now waits for a preview, and false ok after writing an error.
func (a *API) storeLocked(w http.ResponseWriter, r *http.Request, f *file, in *incoming) (wait, ok bool) {
	p := in.p
	c := claimsOf(r)
	if in.blob == nil && in.region == nil {
		// No file part: the real save skips everything (F:81) and
		// answers the entity as it is.
		return false, true
	}
	// The first chunk to arrive fixes metadata and upload_data (F:85-101);
	// later chunks from a plain user cannot change them (only a caller
	// whose JWT names an application, and server requests).
	if (c.ApplicationID != "" || f.uploadData == nil || f.uploadData.Size == 0 || c.ServerRequest) &&
		(f.uploadData == nil || f.uploadData.Size != p.TotalSize || f.metadata == nil || f.metadata.Name != p.Filename) {
		// Cloned: the query values are pieces of the request line, which
		// they would keep in memory for as long as the file exists.
		f.metadata = &fileMetadata{Name: strings.Clone(p.Filename), Mime: strings.Clone(p.Type), ThumbnailsStatus: "done"}
		f.uploadData = &uploadData{Size: p.TotalSize, Chunks: p.TotalChunks}
	}
	if f.plan == nil {
		plan := p // its strings cloned, like the metadata's above
		plan.Filename, plan.Type = strings.Clone(p.Filename), strings.Clone(p.Type)
		if m := f.metadata; m != nil && m.Name == p.Filename && m.Mime == p.Type {
			plan.Filename, plan.Type = m.Name, m.Mime // one copy for both
		}
		f.plan = &plan
	}
	if in.region != nil {
		b, err := a.closeRegion(f, in.region)
		in.region = nil
		if err != nil {
			writeInternal(w)
			return false, false
		}
		in.blob = b // nil: the chunk is in place; else stored separately below
	}
	if in.blob != nil {
		if _, err := a.storeChunk(f, p.ChunkNumber, in.blob); err != nil {
			writeInternal(w)
			return false, false
		}
	}
	received := f.chunks.at(p.ChunkNumber).size
	if f.uploadData.Chunks == 1 && received > 0 {
		f.uploadData.Size = received // F:114-117
	}
	wait = a.askPreview(f, received)
	f.updated = a.env.Now().UnixMilli()
	if err := a.publish(f); err != nil {
		writeInternal(w)
		return false, false
	}
	return wait, true
}

// planRefusal (SwitchSamePlan, strict only; the real server keeps the
// first plan, TW-CHUNK-1) is why the strict checks refuse a chunk with parameters p
// for f, or "". receive asks it before writing a chunk in place too: a
// chunk written over a stored one and refused afterwards would destroy
// the stored one. Caller holds f.mu.
func (a *API) planRefusal(f *file, p params) string {
	switch {
	case a.strict(SwitchSamePlan) && f.plan != nil && !samePlan(*f.plan, p):
		return "total_chunks, total_size, filename and type must be the same on every chunk of a file"
	}
	return ""
}

func samePlan(a, b params) bool {
	return a.TotalChunks == b.TotalChunks && a.TotalSize == b.TotalSize && a.Filename == b.Filename && a.Type == b.Type
}

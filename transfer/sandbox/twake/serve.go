package twake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// handleGet is route 3: the file's resource (TW-RESP-1), 500 or 404 for
// an unknown id (TW-UNKNOWN-1).
func (a *API) handleGet(w http.ResponseWriter, r *http.Request) {
	if !a.pathOK(r, "company_id", "id") {
		a.handleNotFound(w, r)
		return
	}
	f := a.lookup(r.PathValue("company_id"), r.PathValue("id"))
	if f == nil {
		a.writeUnknownFile(w)
		return
	}
	f.mu.Lock()
	pf, deleted := f.public(), f.deleted
	f.mu.Unlock()
	if deleted {
		a.writeUnknownFile(w)
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, fileResponse{Resource: pf})
}

// handleDelete is route 6 (FileServiceImpl.delete, linagora/Twake@39f533e5e838
// twake/backend/node/src/services/files/services/index.ts:276-308; the same
// code in twake-drive-legacy@03cf4614a506).
func (a *API) handleDelete(w http.ResponseWriter, r *http.Request) {
	if !a.pathOK(r, "company_id", "id") {
		a.handleNotFound(w, r)
		return
	}
	f := a.lookup(r.PathValue("company_id"), r.PathValue("id"))
	if f == nil {
		// TW-FILES-DEL-1: an explicit CrudException("File not found", 404)
		// on Twake too (index.ts:279-281), unlike GET and chunk POST.
		writeError(w, http.StatusNotFound, "File not found")
		return
	}
	f.mu.Lock()
	neverChunked := f.uploadData == nil
	f.mu.Unlock()
	err := a.forget(f)
	if neverChunked {
		// TW-FILES-DEL-2: the row is removed (index.ts:283), then
		// storage.remove reads upload_data.chunks of null (index.ts:287-289):
		// a TypeError, the generic 500. A repeat finds no row: 404.
		writeInternal(w)
		return
	}
	status := "success"
	if err != nil {
		status = "error"
	}
	sandbox.WriteJSON(w, http.StatusOK, deleteResponse{Status: status})
}

// handleDownload is route 4, TW-DOWNLOAD (linagora/Twake@39f533e5e838 twake/backend/node/src/services/files/
// web/controllers/files.ts:41-54, core/platform/services/storage/
// index.ts:80-122; no authentication on the real server): the
// concatenation of chunks 1..N, cut short without an HTTP error when one is
// missing, with Content-Length set to upload_data.size.
func (a *API) handleDownload(w http.ResponseWriter, r *http.Request) {
	f := a.lookup(r.PathValue("company_id"), r.PathValue("id"))
	if f == nil {
		a.writeUnknownFile(w)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted || f.metadata == nil || f.uploadData == nil {
		// The real controller dereferences the null metadata: a thrown Error.
		writeInternal(w)
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", sanitize(f.metadata.Name)))
	w.Header().Set("Content-Type", f.metadata.Mime)
	w.Header().Set("Content-Length", strconv.FormatInt(f.uploadData.Size, 10))
	w.WriteHeader(http.StatusOK)
	// A missing chunk or a broken read ends the stream early, as on the
	// real server; the status is already sent.
	_ = a.concat(w, f, f.uploadData.Chunks)
}

// sanitize keeps a header-safe file name.
func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r > 0x7e {
			return '_'
		}
		return r
	}, name)
}

// handleThumbnail is route 5 (TW-THUMB: files.ts:56-75). The sandbox
// makes no previews, so it gives
// the real server's answer for a thumbnail it cannot serve: 500, no body.
func (a *API) handleThumbnail(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusInternalServerError)
}

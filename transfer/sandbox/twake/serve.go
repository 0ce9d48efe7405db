package twake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// handleGet is route 3: the file's metadata.
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
	sandbox.WriteJSON(w, http.StatusOK, api.FileResponse{Resource: pf})
}

// handleDelete is route 6: it removes the entity and its chunks.
func (a *API) handleDelete(w http.ResponseWriter, r *http.Request) {
	if !a.pathOK(r, "company_id", "id") {
		a.handleNotFound(w, r)
		return
	}
	f := a.lookup(r.PathValue("company_id"), r.PathValue("id"))
	if f == nil {
		a.writeUnknownFile(w)
		return
	}
	status := "success"
	if err := a.forget(f); err != nil {
		status = "error"
	}
	sandbox.WriteJSON(w, http.StatusOK, api.DeleteResponse{Status: status})
}

// handleDownload is route 4 (no authentication on the real server): the
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

// handleThumbnail is route 5. The sandbox makes no previews, so it gives
// the real server's answer for a thumbnail it cannot serve: 500, no body.
func (a *API) handleThumbnail(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusInternalServerError)
}

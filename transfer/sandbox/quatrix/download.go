package quatrix

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// downloadLink is POST /file/download-link {ids}: a link id for GET
// /file/download/{id}. The real service zips several ids; the sandbox
// serves one file per link and refuses more visibly (code 21). Q-DLINK:
// maytech/api-client-go@3d3df036 api/swagger.yaml:869-918;
// rclone/rclone@64ab1ac32260 backend/quatrix/quatrix.go:1014-1065.
func (a *API) downloadLink(w http.ResponseWriter, r *http.Request, acc *account) {
	var req struct {
		IDs *[]string `json:"ids"`
	}
	if e := a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	if req.IDs == nil {
		writeError(w, errf(400, codeMissingParameter, "missing parameter \"ids\""))
		return
	}
	if len(*req.IDs) != 1 {
		writeError(w, errf(400, codeNotSupported, "the sandbox downloads exactly one file per link (no zip archives)"))
		return
	}
	id := (*req.IDs)[0]
	if !uuidRE.MatchString(id) {
		writeError(w, errf(400, codeBadParameter, "ids must be UUIDs"))
		return
	}
	n, e := a.node(acc, id)
	if e != nil {
		writeError(w, e)
		return
	}
	if n.Kind != sandbox.KindFile {
		writeError(w, errf(400, codeNotSupported, "%q is not a finished file", n.Name))
		return
	}
	link := sandbox.NewID()
	a.mu.Lock()
	a.links[link] = downloadRec{acc: acc, fileID: id}
	a.mu.Unlock()
	sandbox.WriteJSON(w, http.StatusOK, map[string]string{"id": link})
}

// downloadRec is what a download link points at.
type downloadRec struct {
	acc    *account
	fileID string
}

// download is GET /file/download/{link}: the content, honouring Range
// (206) through http.ServeContent.
func (a *API) download(w http.ResponseWriter, r *http.Request, acc *account) {
	a.mu.Lock()
	rec, ok := a.links[r.PathValue("id")]
	a.mu.Unlock()
	if !ok || rec.acc != acc {
		writeError(w, errf(404, codeNotFound, "unknown download link"))
		return
	}
	n, e := a.node(acc, rec.fileID)
	if e != nil {
		writeError(w, e)
		return
	}
	f, err := a.env.Store.Open(Name, n.ID)
	if errors.Is(err, sandbox.ErrNotFound) {
		// An empty file has no blob.
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		return
	}
	if err != nil {
		writeError(w, errf(500, -1, "open %s: %v", n.Name, err))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''`+url.PathEscape(n.Name))
	http.ServeContent(w, r, "", n.MTime, f)
}

package quatrix

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// The share routes a client needs for a public link to one uploaded file:
// create a public share, ask for its download link, and let anyone
// download through it. maytech/api-client-go@3d3df036 api/swagger.yaml:
// /share/create :2343-2372 (201 ShareCreateResp), /share/download-link/{id}
// :2857-2911 (200 IdResp), /share/download/{id} :2912-2931 (security: [],
// no authentication), ShareCreateReq :6198-6274, ShareCreateResp
// :6275-6283. rclone has no share support. Shares of type T and C need
// recipients (contacts) and e-mail; the sandbox accepts them but gives no
// download link for them (only P is public, swagger :2348-2352).
// A share made with a PIN is opened with POST /share/login-pin first
// (sharepin.go).

// shareRec is one created share.
type shareRec struct {
	acc       *account
	files     []string
	typ       string
	activates time.Time
	expires   time.Time // zero: never
	pin       []byte    // nil: no PIN (sharepin.go)
}

// shareCreateReq is ShareCreateReq (Q-SHARE-CREATE); contacts, files and
// folder_id are required.
type shareCreateReq struct {
	FolderID  *string   `json:"folder_id"`
	Files     *[]string `json:"files"`
	Contacts  *[]string `json:"contacts"`
	Subject   *string   `json:"subject"`
	Message   *string   `json:"message"`
	Expires   *float64  `json:"expires"`
	Activates *float64  `json:"activates"`
	ShareType *string   `json:"share_type"`
	Pin       *string   `json:"pin"`
	SendEmail *bool     `json:"send_email"`
	Notify    *bool     `json:"notify"`
}

// shareCreate is POST /share/create (Q-SHARE-CREATE): 201 {id, activates}.
func (a *API) shareCreate(w http.ResponseWriter, r *http.Request, acc *account) {
	var req shareCreateReq
	var e *apiError
	if e = a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	for name, missing := range map[string]bool{"folder_id": req.FolderID == nil, "files": req.Files == nil, "contacts": req.Contacts == nil} {
		if missing {
			writeError(w, errf(400, codeMissingParameter, "missing parameter %q", name))
			return
		}
	}
	typ := "T" // swagger default
	if req.ShareType != nil {
		typ = *req.ShareType
	}
	if typ != "P" && typ != "T" && typ != "C" {
		writeError(w, errf(400, codeBadParameter, "share_type must be P, T or C"))
		return
	}
	if len(*req.Files) == 0 {
		writeError(w, errf(400, codeBadParameter, "files must not be empty"))
		return
	}
	for _, id := range *req.Files {
		if !uuidRE.MatchString(id) {
			writeError(w, errf(400, codeBadParameter, "files must be UUIDs"))
			return
		}
		if n, e := a.node(acc, id); e != nil || n.Kind != sandbox.KindFile {
			writeError(w, errf(404, codeNotFound, "no file %s", id))
			return
		}
	}
	now := a.env.Now()
	rec := shareRec{acc: acc, files: append([]string(nil), *req.Files...), typ: typ, activates: now}
	stamp := func(v *float64, field string) (time.Time, bool) {
		if *v < 0 || math.IsInf(*v, 0) || math.IsNaN(*v) || *v > 1e12 {
			writeError(w, errf(400, codeBadParameter, "%s must be a Unix timestamp", field))
			return time.Time{}, false
		}
		return time.UnixMicro(int64(math.Round(*v * 1e6))), true
	}
	var ok bool
	if req.Activates != nil {
		if rec.activates, ok = stamp(req.Activates, "activates"); !ok {
			return
		}
	}
	if req.Expires != nil {
		if rec.expires, ok = stamp(req.Expires, "expires"); !ok {
			return
		}
		// "it should be larger than the activates parameter" (ShareCreateReq).
		if !rec.expires.After(rec.activates) {
			writeError(w, errf(400, codeBadParameter, "expires must be later than activates"))
			return
		}
	}
	if req.Pin != nil {
		// Q-SHARE-PIN-FORMAT: base64, else 400 code 10.
		if rec.pin, e = decodePin(*req.Pin); e != nil {
			writeError(w, e)
			return
		}
	}
	id := sandbox.NewID()
	a.mu.Lock()
	a.shares[id] = rec
	a.mu.Unlock()
	sandbox.WriteJSON(w, http.StatusCreated, map[string]any{"id": id, "activates": float64(rec.activates.UnixMicro()) / 1e6})
}

// shareDownloadLink is GET /share/download-link/{id} (Q-SHARE-DLINK): a
// download link id for every file of the share, 200 {id}. The sandbox
// serves links of one-file public shares only (code 21 otherwise).
func (a *API) shareDownloadLink(w http.ResponseWriter, r *http.Request, acc *account) {
	a.mu.Lock()
	rec, ok := a.shares[r.PathValue("id")]
	a.mu.Unlock()
	if !ok || rec.acc != acc {
		writeError(w, errf(404, codeNotFound, "unknown share"))
		return
	}
	if rec.typ != "P" || len(rec.files) != 1 {
		writeError(w, errf(400, codeNotSupported, "the sandbox gives download links of one-file public shares only"))
		return
	}
	link := sandbox.NewID()
	a.mu.Lock()
	a.shareLinks[link] = r.PathValue("id")
	a.mu.Unlock()
	sandbox.WriteJSON(w, http.StatusOK, map[string]string{"id": link})
}

// shareDownload is GET /share/download/{id} (Q-SHARE-DOWNLOAD): the file,
// without authentication (security: []). Outside the share's active
// period it is 404 code 20 (document only: the swagger lists no error for
// this route). A share with a PIN answers 401 code 73 until the request
// carries the cookie of a PIN login for it (Q-SHARE-PIN-DOWNLOAD,
// sharepin.go).
func (a *API) shareDownload(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	sid := a.shareLinks[r.PathValue("id")]
	rec, ok := a.shares[sid]
	unlocked := ok && a.pinUnlocked(r, sid, rec)
	a.mu.Unlock()
	now := a.env.Now()
	if !ok || now.Before(rec.activates) || (!rec.expires.IsZero() && !now.Before(rec.expires)) {
		writeError(w, errf(404, codeNotFound, "unknown or expired download link"))
		return
	}
	if !unlocked {
		writeError(w, errf(401, codeNoPin, "this share needs its PIN: log in with POST /api/1.0/share/login-pin {id, pin} first"))
		return
	}
	n, e := a.node(rec.acc, rec.files[0])
	if e != nil {
		writeError(w, e)
		return
	}
	f, err := a.env.Store.Open(Name, n.ID)
	w.Header().Set("Content-Type", "application/octet-stream")
	if errors.Is(err, sandbox.ErrNotFound) {
		w.WriteHeader(http.StatusOK) // an empty file has no blob
		return
	}
	if err != nil {
		writeError(w, errf(500, -1, "open %s: %v", n.Name, err))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''`+url.PathEscape(n.Name))
	http.ServeContent(w, r, "", n.MTime, f)
}

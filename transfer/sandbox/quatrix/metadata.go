package quatrix

import (
	"math"
	"net/http"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// profile is GET /profile (Q-PROFILE: maytech/api-client-go@3d3df036
// api/swagger.yaml:1397, ProfileResp :5215).
func (a *API) profile(w http.ResponseWriter, _ *http.Request, acc *account) {
	sandbox.WriteJSON(w, http.StatusOK, map[string]any{
		"id": acc.id, "name": acc.Email, "email": acc.Email, "home_id": acc.home,
		"account_id": acc.id, "max_file_size": acc.MaxFileSize, "quota": acc.Quota, "is_contact": false,
	})
}

// used is the bytes stored in acc's home (placeholders count 0): the
// store keeps the total current on every change, so the quota check of
// each /upload/link costs the same however many files are stored.
func (a *API) used(acc *account) int64 { return a.fileBytes(acc.home) }

// accountUsed is the bytes stored by every user of the account.
func (a *API) accountUsed() int64 { return a.fileBytes(a.env.Store.Root(Name).ID) }

// fileBytes is the bytes of the complete files below folder id. The homes
// and the root are never deleted, so an error cannot happen; it would
// count as 0.
func (a *API) fileBytes(id string) int64 {
	n, _ := a.env.Store.FileBytes(Name, id)
	return n
}

// profileInfo is GET /profile/info: 200 ProfileInfoResp (Q-QUOTA-*).
// maytech/api-client-go@3d3df036 api/swagger.yaml:1462-1475,5399-5412
// gives the four numbers; rclone/rclone@64ab1ac32260
// backend/quatrix/quatrix.go:901-933 (About) reads user_limit -1 as "no
// user limit, the account's applies" and acc_limit as the total, and
// docs/content/quatrix.md:285-289 says the account limit is bought with
// the account and applies to a user without a custom limit. So acc_limit
// is never 0: it is Config.AccountLimit.
func (a *API) profileInfo(w http.ResponseWriter, _ *http.Request, acc *account) {
	userLimit := acc.Quota
	if userLimit == 0 {
		userLimit = -1
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string]int64{
		"user_used": a.used(acc), "user_limit": userLimit,
		"acc_used": a.accountUsed(), "acc_limit": a.cfg.AccountLimit,
	})
}

// metadata is GET /file/metadata[/{id}]?content=0|1 (default 1). Q-META:
// maytech/api-client-go@3d3df036 api/swagger.yaml:506-584;
// rclone/rclone@64ab1ac32260 backend/quatrix/quatrix.go:567-595.
func (a *API) metadata(w http.ResponseWriter, r *http.Request, acc *account) {
	id := r.PathValue("id")
	if id == "" {
		id = acc.home
	} else if !uuidRE.MatchString(id) {
		writeError(w, errf(400, codeBadParameter, "id must be a UUID"))
		return
	}
	content := true
	switch v := r.URL.Query().Get("content"); v {
	case "", "1":
	case "0":
		content = false
	default:
		writeError(w, errf(400, codeBadParameter, "content must be 0 or 1"))
		return
	}
	n, e := a.node(acc, id)
	if e != nil {
		writeError(w, e)
		return
	}
	a.writeObject(w, http.StatusOK, n, content)
}

// setMetadata is POST /file/metadata {id, mtime}: sets the modification
// time (Q-MTIME: FileMetadataPostReq in maytech/api-client-go@3d3df036
// api/swagger.yaml; rclone/rclone@64ab1ac32260
// backend/quatrix/quatrix.go:597-624).
func (a *API) setMetadata(w http.ResponseWriter, r *http.Request, acc *account) {
	var req struct {
		ID    *string  `json:"id"`
		MTime *float64 `json:"mtime"`
	}
	if e := a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	if e := checkUUID("id", req.ID, true); e != nil {
		writeError(w, e)
		return
	}
	if req.MTime == nil {
		writeError(w, errf(400, codeMissingParameter, "missing parameter \"mtime\""))
		return
	}
	if *req.MTime < 0 || math.IsInf(*req.MTime, 0) || *req.MTime > 1e12 {
		writeError(w, errf(400, codeBadParameter, "mtime must be Unix seconds"))
		return
	}
	if _, e := a.node(acc, *req.ID); e != nil {
		writeError(w, e)
		return
	}
	t := time.UnixMicro(int64(math.Round(*req.MTime * 1e6)))
	n, err := a.env.Store.Update(Name, *req.ID, func(n *sandbox.Node) { n.MTime = t })
	if err != nil {
		writeError(w, errf(404, codeNotFound, "%v", err))
		return
	}
	a.writeObject(w, http.StatusOK, n, false)
}

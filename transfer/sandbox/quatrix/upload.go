package quatrix

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// upload is one open upload key. The fields are guarded by API.mu; the
// blob is written outside the lock while busy is set, which also refuses a
// second request on the same key (chunks are sequential).
type upload struct {
	key       string
	acc       *account
	fileID    string
	parentID  string
	name      string
	overwrite bool  // opened by /file/modify on an existing file
	declared  int64 // file_size from /upload/link, -1 when not given
	total     int64 // Content-Range total seen on the first chunk, -1 before
	base      int64 // bytes kept from the original by /file/modify truncate
	received  int64 // bytes held, contiguous from 0
	blob      *sandbox.Blob
	created   time.Time
	lastUse   time.Time

	busy    bool // a request is writing the blob or finalizing
	done    bool // finalized or consumed by multipart
	expired bool // forced expiry (test hook or fault)
	gone    bool // its file was deleted
}

// keyExpired applies the TTL (sliding from the last chunk, or absolute
// from creation). Caller holds a.mu. Q-KEY-TTL is document only
// (shared/protocols/quatrix.md §5); which mode is real is unknown.
func (a *API) keyExpired(u *upload) bool {
	ref := u.lastUse
	if a.cfg.KeyTTLAbsolute || a.env.Switches.OnDefault(SwitchKeyAbsolute, false) {
		ref = u.created
	}
	return a.env.Now().Sub(ref) > a.cfg.KeyTTL
}

// useKey returns the open upload for key and marks it busy, or the error
// the notes prescribe: unknown, consumed or deleted is code 20, expired is
// code 60, a request already running on the key is 400 code 10.
func (a *API) useKey(key string) (*upload, *apiError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u := a.uploads[key]
	if u == nil || u.done || u.gone {
		return nil, errf(a.cfg.UnknownKeyStatus, codeNotFound, "unknown upload key")
	}
	if u.expired || a.keyExpired(u) || a.env.Expire() {
		if !u.expired {
			u.expired = true
		}
		u.blob.Discard()
		return nil, errf(a.cfg.ExpiredKeyStatus, codeExpired, "the upload key has expired")
	}
	if u.busy {
		return nil, errf(400, codeBadParameter, "another request is using this upload key; chunks must be sent one at a time")
	}
	u.busy = true
	return u, nil
}

// release ends a request on u.
func (a *API) release(u *upload) {
	a.mu.Lock()
	u.busy = false
	a.mu.Unlock()
}

// uploadLink is POST /upload/link {name, parent_id, resolve=true,
// file_size?}: creates the placeholder now and returns its upload key
// (Q-LINK: maytech/api-client-go@3d3df036 api/swagger.yaml:1914-1939,
// UploadLinkReq :5850; rclone/rclone@64ab1ac32260
// backend/quatrix/quatrix.go:1162-1183, api/types.go:155-168).
func (a *API) uploadLink(w http.ResponseWriter, r *http.Request, acc *account) {
	var req struct {
		Name     *string `json:"name"`
		ParentID *string `json:"parent_id"`
		Resolve  *bool   `json:"resolve"`
		FileSize *int64  `json:"file_size"`
	}
	if e := a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	if e := a.checkName("name", req.Name); e != nil {
		writeError(w, e)
		return
	}
	if e := checkUUID("parent_id", req.ParentID, true); e != nil {
		writeError(w, e)
		return
	}
	declared := int64(-1)
	if req.FileSize != nil {
		if *req.FileSize < 0 {
			writeError(w, errf(400, codeBadParameter, "file_size must not be negative"))
			return
		}
		declared = *req.FileSize
		if e := a.checkSpace(acc, declared); e != nil {
			writeError(w, e)
			return
		}
	}
	if _, e := a.folder(acc, *req.ParentID); e != nil {
		writeError(w, e)
		return
	}
	n, e := a.create(*req.ParentID, sandbox.Node{
		Name: *req.Name, Kind: sandbox.KindPlaceholder,
		Meta: map[string]string{metaType: typeFile},
	}, req.Resolve == nil || *req.Resolve)
	if e != nil {
		writeError(w, e)
		return
	}
	u, err := a.open(acc, n, declared, 0, false)
	if err != nil {
		writeError(w, errf(500, -1, "%v", err))
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string]string{
		"parent_id": n.Parent, "file_id": n.ID, "name": n.Name, "upload_key": u.key,
	})
}

// checkSpace refuses a declared size over max_file_size (413) or the quota
// (400 code 122; both statuses are unverified, the codes are the SDK's).
// Q-MAXSIZE: ProfileResp max_file_size, maytech/api-client-go@3d3df036
// api/swagger.yaml:5215.
func (a *API) checkSpace(acc *account, size int64) *apiError {
	if acc.MaxFileSize > 0 && size > acc.MaxFileSize {
		return errf(http.StatusRequestEntityTooLarge, codeBadParameter, "file_size %d exceeds the maximum file size %d", size, acc.MaxFileSize)
	}
	// Q-QUOTA-ACC: the user's own limit when set, else the account's
	// (rclone docs/content/quatrix.md:285-289).
	if acc.Quota > 0 && a.used(acc)+size > acc.Quota {
		return errf(400, codeQuotaExceeded, "quota exceeded")
	}
	if a.accountUsed()+size > a.cfg.AccountLimit {
		return errf(400, codeQuotaExceeded, "the account's storage limit is exceeded")
	}
	return nil
}

// open registers an upload key for node n whose blob starts with the first
// keep bytes of n's current content.
func (a *API) open(acc *account, n sandbox.Node, declared, keep int64, overwrite bool) (*upload, error) {
	b, err := a.env.Store.NewBlob()
	if err != nil {
		return nil, err
	}
	if keep > 0 {
		f, err := a.env.Store.Open(Name, n.ID)
		if err != nil {
			b.Discard()
			return nil, err
		}
		_, err = b.ReadFrom(io.LimitReader(f, keep))
		f.Close()
		if err != nil {
			b.Discard()
			return nil, err
		}
	}
	now := a.env.Now()
	u := &upload{
		key: sandbox.NewID(), acc: acc, fileID: n.ID, parentID: n.Parent, name: n.Name, overwrite: overwrite,
		declared: declared, total: -1, base: keep, received: keep, blob: b, created: now, lastUse: now,
	}
	a.mu.Lock()
	a.prune(now)
	a.uploads[u.key] = u
	a.mu.Unlock()
	return u, nil
}

// prune forgets uploads idle for twice the key TTL (expired by then under
// either TTL mode) and deletes their temporary content, so a long-running
// sandbox does not accumulate them. A pruned key answers as unknown (code
// 20), as it would have answered expired before. It walks the open keys at
// most once per key TTL, so its cost does not grow with the uploads seen:
// finished uploads are gone from the map already (see finished), and an
// idle key lives at most three TTLs. Caller holds a.mu.
func (a *API) prune(now time.Time) {
	if now.Sub(a.pruned) < a.cfg.KeyTTL {
		return
	}
	a.pruned = now
	for k, u := range a.uploads {
		if !u.busy && now.Sub(u.lastUse) > 2*a.cfg.KeyTTL {
			u.blob.Discard()
			delete(a.uploads, k)
		}
	}
}

// finished marks u finalized (or consumed by a multipart upload) and
// forgets its key at once: a finished key answers as unknown (code 20)
// exactly like a key never issued, so keeping it would only grow the
// sandbox with every upload. Caller holds a.mu.
func (a *API) finished(u *upload) {
	u.busy, u.done = false, true
	if a.uploads[u.key] == u {
		delete(a.uploads, u.key)
	}
}

// modify is POST /file/modify {id, truncate}: reopens an existing file
// for writing under the same id. truncate is the number of bytes kept
// (default: all). The old content stays visible until finalize swaps it,
// so an abandoned overwrite leaves the original intact (Q-MODIFY:
// maytech/api-client-go@3d3df036 api/swagger.yaml:1004-1030;
// rclone/rclone@64ab1ac32260 backend/quatrix/quatrix.go:1185-1205).
func (a *API) modify(w http.ResponseWriter, r *http.Request, acc *account) {
	var req struct {
		ID       *string `json:"id"`
		Truncate *int64  `json:"truncate"`
		Name     *string `json:"name"`
	}
	if e := a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	if e := checkUUID("id", req.ID, true); e != nil {
		writeError(w, e)
		return
	}
	if req.Truncate != nil && *req.Truncate < 0 {
		writeError(w, errf(400, codeBadParameter, "truncate must not be negative"))
		return
	}
	if req.Name != nil {
		writeError(w, errf(400, codeNotSupported, "renaming through /file/modify is not implemented by the sandbox"))
		return
	}
	n, e := a.node(acc, *req.ID)
	if e != nil {
		writeError(w, e)
		return
	}
	if isFolder(n) {
		writeError(w, errf(400, codeNotADirectory, "%q is a folder, not a file", n.Name))
		return
	}
	keep := n.Size
	if req.Truncate != nil {
		if *req.Truncate < 0 || *req.Truncate > n.Size {
			writeError(w, errf(400, codeBadParameter, "truncate must be between 0 and the file size %d", n.Size))
			return
		}
		keep = *req.Truncate
	}
	u, err := a.open(acc, n, -1, keep, true)
	if err != nil {
		writeError(w, errf(500, -1, "%v", err))
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string]string{
		"parent_id": n.Parent, "file_id": n.ID, "name": n.Name, "upload_key": u.key,
	})
}

// chunkAuth applies SwitchChunkAuth: the key alone authorises a chunk, but
// a credential that is present must be valid and the key owner's.
func (a *API) chunkAuth(r *http.Request) (*account, *apiError) {
	if !a.env.Switches.On(SwitchChunkAuth) || !hasCredential(r) {
		return nil, nil
	}
	return a.principalRefresh(r, false)
}

func ownerMismatch(acc *account, u *upload) *apiError {
	if acc != nil && acc != u.acc {
		return errf(403, codeRestriction, "this upload key belongs to another user")
	}
	return nil
}

// finalize is GET /api/1.0/upload/finalize/{key}?mtime=<seconds[.micro]>:
// checks every byte arrived, makes the content visible at once and answers
// {id, parent_id, size, modified} with an integer modified. A mismatch is
// 400 code 10 and leaves the key usable (Q-FINALIZE:
// maytech/api-client-go@3d3df036 api/swagger.yaml:1940-1966,
// UploadFinalizeResp :5874; rclone/rclone@64ab1ac32260
// backend/quatrix/quatrix.go:1244-1262, size checked at :1149).
func (a *API) finalize(w http.ResponseWriter, r *http.Request, acc *account) {
	q := r.URL.Query()
	mtime := a.env.Now()
	if q.Has("mtime") {
		us, ok := parseMtime(q.Get("mtime"))
		if !ok {
			writeError(w, errf(400, codeBadParameter, "mtime must be Unix seconds with at most 6 decimals"))
			return
		}
		mtime = time.UnixMicro(us)
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
	want := u.total
	if want < 0 {
		want = u.declared
	}
	if want >= 0 && u.received != want {
		a.release(u)
		writeError(w, errf(400, codeBadParameter, "received %d of %d bytes", u.received, want))
		return
	}
	n, err := a.env.Store.Fill(Name, u.fileID, u.blob, time.UnixMicro(mtime.UnixMicro()))
	a.mu.Lock()
	a.finished(u)
	a.counts.Finalizes++
	a.mu.Unlock()
	if err != nil {
		writeError(w, errf(404, codeNotFound, "the file of this upload is gone: %v", err))
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string]any{
		"id": n.ID, "parent_id": n.Parent, "size": n.Size, "modified": n.MTime.Unix(),
	})
}

// writeFile answers a data endpoint with the file id as a JSON string.
func writeFileID(w http.ResponseWriter, id string) {
	sandbox.WriteJSON(w, http.StatusOK, id)
}

// retryAfter sets a Retry-After header in whole seconds (at least 1).
func retryAfter(w http.ResponseWriter, d time.Duration) {
	if d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second))))
	}
}

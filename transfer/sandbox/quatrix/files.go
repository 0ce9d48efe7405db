package quatrix

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Node metadata keys and the File object type letters.
const (
	metaType    = "type"     // F, D, S or T
	metaSubType = "sub_type" // "homes", "trash", ...
	metaCreated = "created"  // Unix microseconds
	typeFile    = "F"
	typeDir     = "D"
	typeTrash   = "T"
)

func (a *API) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/1.0/session/login", a.login)
	mux.HandleFunc("POST /api/1.0/session/login", a.loginMFA)
	mux.HandleFunc("GET /api/1.0/session/keepalive", a.authed(a.keepalive))
	mux.HandleFunc("GET /api/1.0/session/logout", a.authed(a.logout))
	mux.HandleFunc("GET /api/1.0/profile", a.authed(a.profile))
	mux.HandleFunc("GET /api/1.0/profile/info", a.authed(a.profileInfo))
	mux.HandleFunc("POST /api/1.0/file/id", a.authed(a.fileID))
	mux.HandleFunc("GET /api/1.0/file/metadata", a.authed(a.metadata))
	mux.HandleFunc("GET /api/1.0/file/metadata/{id}", a.authed(a.metadata))
	mux.HandleFunc("POST /api/1.0/file/metadata", a.authed(a.setMetadata))
	mux.HandleFunc("POST /api/1.0/file/makedir", a.authed(a.makedir))
	mux.HandleFunc("POST /api/1.0/file/modify", a.authed(a.modify))
	mux.HandleFunc("POST /api/1.0/file/delete", a.authed(a.deleteFiles))
	mux.HandleFunc("POST /api/1.0/file/moveone", a.authed(a.moveOne))
	mux.HandleFunc("POST /api/1.0/file/copyone", a.authed(a.copyOne))
	mux.HandleFunc("POST /api/1.0/file/rename/{id}", a.authed(a.rename))
	mux.HandleFunc("POST /api/1.0/file/move", a.authed(a.moveFiles))
	mux.HandleFunc("POST /api/1.0/file/copy", a.authed(a.copyFiles))
	mux.HandleFunc("POST /api/1.0/file/download-link", a.authed(a.downloadLink))
	mux.HandleFunc("GET /api/1.0/file/download/{id}", a.authed(a.download))
	mux.HandleFunc("POST /api/1.0/upload/link", a.authed(a.uploadLink))
	mux.HandleFunc("POST /api/1.0/share/create", a.authed(a.shareCreate))
	mux.HandleFunc("GET /api/1.0/share/download-link/{id}", a.authed(a.shareDownloadLink))
	mux.HandleFunc("GET /api/1.0/share/download/{id}", a.shareDownload)
	mux.HandleFunc("POST /api/1.0/share/login-pin", a.shareLoginPin)
	mux.HandleFunc("GET /api/1.0/upload/finalize/{key}", a.authed(a.finalize))
	mux.HandleFunc("POST /upload/chunked/{key}", a.chunk)
	mux.HandleFunc("POST /upload/multipart/{key}", a.multipart)
	// Anything else under the API root (notably /api/1.0/upload/chunked/,
	// a common client bug) is an ErrorModel 404 code 20 (Q-ROUTE-404:
	// document only; no source shows what real Quatrix answers for a
	// route it does not have, the code is the seed's "Not found",
	// quatrix-api-reference.txt:183). A route the vendor's swagger lists
	// but the sandbox does not serve is 501 code 21 (Q-ROUTE-501).
	mux.HandleFunc("/api/1.0/", func(w http.ResponseWriter, r *http.Request) {
		if knownRoute(strings.TrimPrefix(r.URL.Path, "/api/1.0")) {
			writeError(w, errf(http.StatusNotImplemented, codeNotSupported,
				"the sandbox does not implement %s %s, which real Quatrix has; use a real account for it", r.Method, r.URL.Path))
			return
		}
		writeError(w, errf(404, codeNotFound, "no endpoint %s %s", r.Method, r.URL.Path))
	})
}

// knownRoute reports whether p (below /api/1.0) is one of swaggerPaths.
func knownRoute(p string) bool {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for _, sp := range swaggerPaths {
		want := strings.Split(strings.Trim(sp, "/"), "/")
		if len(want) != len(segs) {
			continue
		}
		match := true
		for i, w := range want {
			if !(strings.HasPrefix(w, "{") && segs[i] != "") && w != segs[i] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// fileResp is the File object (FileResp). Times are numbers, never null
// (Q-TYPES: maytech/api-client-go@3d3df036 api/swagger.yaml:3485;
// rclone/rclone@64ab1ac32260 backend/quatrix/api/types.go:73-116).
type fileResp struct {
	ID         string         `json:"id"`
	ParentID   string         `json:"parent_id"`
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Size       int64          `json:"size"`
	Created    json.Number    `json:"created"`
	Modified   int64          `json:"modified"`
	ModifiedMS json.Number    `json:"modified_ms"`
	Operations int            `json:"operations"`
	SubType    string         `json:"sub_type"`
	Metadata   map[string]any `json:"metadata"`
	Content    *[]fileResp    `json:"content,omitempty"`
	OldName    string         `json:"old_name,omitempty"`
}

func typeOf(n sandbox.Node) string {
	if t := n.Meta[metaType]; t != "" {
		return t
	}
	if n.Kind == sandbox.KindFolder {
		return typeDir
	}
	return typeFile
}

func isFolder(n sandbox.Node) bool { return n.Kind == sandbox.KindFolder }

// micros formats Unix microseconds as seconds with six decimals.
func micros(us int64) json.Number {
	return json.Number(fmt.Sprintf("%d.%06d", us/1e6, us%1e6))
}

// object builds the File object of n. A folder's size is its child count
// (what rclone reads as the item count); a placeholder's is 0 until
// finalize makes the content visible at once.
func (a *API) object(n sandbox.Node, withContent bool) (fileResp, error) {
	created, _ := strconv.ParseInt(n.Meta[metaCreated], 10, 64) // absent on nodes made by Commit: fall back below
	if created == 0 {
		created = n.MTime.UnixMicro()
	}
	f := fileResp{
		ID: n.ID, ParentID: n.Parent, Name: n.Name, Type: typeOf(n), Size: n.Size,
		Created: micros(created), Modified: n.MTime.Unix(), ModifiedMS: micros(n.MTime.UnixMicro()),
		SubType: n.Meta[metaSubType], Metadata: map[string]any{},
	}
	if !isFolder(n) {
		return f, nil
	}
	kids, err := a.env.Store.Children(Name, n.ID)
	if err != nil {
		return fileResp{}, err
	}
	f.Size = int64(len(kids))
	if withContent {
		list := make([]fileResp, 0, len(kids))
		for _, k := range kids {
			o, err := a.object(k, false)
			if err != nil {
				return fileResp{}, err
			}
			list = append(list, o)
		}
		f.Content = &list
	}
	return f, nil
}

// node returns id if it exists inside acc's home, else 404 code 20.
func (a *API) node(acc *account, id string) (sandbox.Node, *apiError) {
	n, err := a.env.Store.Get(Name, id)
	if err != nil || !a.env.Store.IsWithin(Name, id, acc.home) {
		return sandbox.Node{}, errf(404, codeNotFound, "no such file or folder %s", id)
	}
	return n, nil
}

// folder returns id as a folder one may create in: 404/20 when missing,
// 400/91 for a file, 400/70 for the trash.
func (a *API) folder(acc *account, id string) (sandbox.Node, *apiError) {
	n, e := a.node(acc, id)
	if e != nil {
		return n, e
	}
	if !isFolder(n) {
		return n, errf(400, codeNotADirectory, "%q is not a folder", n.Name)
	}
	if typeOf(n) == typeTrash {
		return n, errf(400, codeNotAllowed, "nothing can be created in the trash")
	}
	return n, nil
}

func (a *API) writeObject(w http.ResponseWriter, status int, n sandbox.Node, content bool) {
	o, err := a.object(n, content)
	if err != nil {
		writeError(w, errf(404, codeNotFound, "%v", err))
		return
	}
	sandbox.WriteJSON(w, status, o)
}

// fileID is POST /file/id: resolve path (repeated slashes ignored) below
// parent_id, or home when absent (Q-FILEID: rclone/rclone@64ab1ac32260
// backend/quatrix/quatrix.go:253-283, api/types.go:32-45).
func (a *API) fileID(w http.ResponseWriter, r *http.Request, acc *account) {
	var req struct {
		ParentID *string `json:"parent_id"`
		Path     *string `json:"path"`
	}
	if e := a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	if e := checkUUID("parent_id", req.ParentID, false); e != nil {
		writeError(w, e)
		return
	}
	if req.Path == nil {
		writeError(w, errf(400, codeMissingParameter, "missing parameter \"path\""))
		return
	}
	start := acc.home
	if req.ParentID != nil {
		start = *req.ParentID
	}
	cur, e := a.node(acc, start)
	if e != nil {
		writeError(w, e)
		return
	}
	for _, seg := range strings.Split(*req.Path, "/") {
		if seg == "" {
			continue
		}
		if !isFolder(cur) {
			writeError(w, errf(404, codeNotFound, "%q is not a folder", cur.Name))
			return
		}
		next, err := a.env.Store.Lookup(Name, cur.ID, seg)
		if err != nil {
			writeError(w, errf(404, codeNotFound, "%q not found", seg))
			return
		}
		cur = next
	}
	src, err := a.env.Store.Path(Name, cur.ID)
	if err != nil {
		writeError(w, errf(404, codeNotFound, "%v", err))
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string]string{
		"file_id": cur.ID, "parent_id": cur.Parent, "type": typeOf(cur),
		"src": strings.TrimPrefix(src, "/"+acc.Email),
	})
}

// altName is the n-th alternative of name: "test(1).pgp" for files (before
// the extension), "name(1)" for folders (Q-RESOLVE: document only, seed
// quatrix-uploading-files.txt:14; the folder form is unverified).
func altName(name string, n int, folder bool) string {
	if n == 0 {
		return name
	}
	ext := ""
	if !folder {
		ext = path.Ext(name)
		if ext == name {
			ext = ""
		}
	}
	return fmt.Sprintf("%s(%d)%s", strings.TrimSuffix(name, ext), n, ext)
}

// create adds n under parent. A taken name is 400 code 30 without resolve;
// with resolve the first free alternative name is used.
func (a *API) create(parent string, n sandbox.Node, resolve bool) (sandbox.Node, *apiError) {
	base := n.Name
	now := a.env.Now()
	if n.Meta == nil {
		n.Meta = map[string]string{}
	}
	n.Meta[metaCreated] = strconv.FormatInt(now.UnixMicro(), 10)
	n.MTime = time.UnixMicro(now.UnixMicro())
	for i := 0; i < 10_000; i++ {
		n.Name = altName(base, i, n.Kind == sandbox.KindFolder)
		created, err := a.env.Store.Create(Name, parent, n)
		switch {
		case err == nil:
			return created, nil
		case !errors.Is(err, sandbox.ErrExists):
			return sandbox.Node{}, errf(404, codeNotFound, "%v", err)
		case !resolve:
			return sandbox.Node{}, errf(400, codeObjectExists, "an object called %q already exists", base)
		}
	}
	return sandbox.Node{}, errf(400, codeObjectExists, "no free alternative name for %q", base)
}

// makedir is POST /file/makedir {target?, name, resolve=true}: 201 + File
// (Q-MKDIR: maytech/api-client-go@3d3df036 api/swagger.yaml:721-746,
// MakeDirReq :4813; rclone/rclone@64ab1ac32260
// backend/quatrix/quatrix.go:306-330).
func (a *API) makedir(w http.ResponseWriter, r *http.Request, acc *account) {
	var req struct {
		Target  *string `json:"target"`
		Name    *string `json:"name"`
		Resolve *bool   `json:"resolve"`
	}
	if e := a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	if e := checkUUID("target", req.Target, false); e != nil {
		writeError(w, e)
		return
	}
	if e := a.checkName("name", req.Name); e != nil {
		writeError(w, e)
		return
	}
	target := acc.home
	if req.Target != nil {
		target = *req.Target
	}
	if _, e := a.folder(acc, target); e != nil {
		writeError(w, e)
		return
	}
	a.mu.Lock()
	a.counts.MakeDirs++
	a.mu.Unlock()
	n, e := a.create(target, sandbox.Node{
		Name: *req.Name, Kind: sandbox.KindFolder,
		Meta: map[string]string{metaType: typeDir},
	}, req.Resolve == nil || *req.Resolve)
	if e != nil {
		writeError(w, e)
		return
	}
	a.writeObject(w, http.StatusCreated, n, false)
}

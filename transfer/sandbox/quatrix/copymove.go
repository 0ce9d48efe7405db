package quatrix

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// resolveOverwrite is the only resolve_mode rclone sends
// (rclone/rclone@64ab1ac32260 backend/quatrix/api/types.go:10).
const resolveOverwrite = "overwrite"

// copyMoveOneReq is FileCopyMoveOneParams (Q-ONE-REQ): rclone/rclone@64ab1ac32260
// backend/quatrix/api/types.go:185-192. rclone always sends every field
// (none is omitempty), resolve_mode "" for a directory move.
type copyMoveOneReq struct {
	FileID      *string  `json:"file_id"`
	TargetID    *string  `json:"target_id"`
	Name        *string  `json:"name"`
	MTime       *float64 `json:"mtime"`
	Resolve     *bool    `json:"resolve"`
	ResolveMode *string  `json:"resolve_mode"`
}

// moveOne is POST /file/moveone (Q-MOVEONE): moves a file or folder to
// target_id under name, keeping its id, and answers 200 with its File
// object. rclone/rclone@64ab1ac32260 backend/quatrix/quatrix.go:787-848
// (Move: files, resolve true + overwrite, the source's mtime; also the
// rename of every ".partial" upload) and :850-899 (DirMove: folders,
// resolve false, resolve_mode ""); a 404 is "object not found" to rclone.
func (a *API) moveOne(w http.ResponseWriter, r *http.Request, acc *account) {
	a.copyMoveOne(w, r, acc, false)
}

// copyOne is POST /file/copyone (Q-COPYONE): copies a file or folder (with
// everything below it) to target_id under name and answers 200 with the
// copy's File object (a new id). rclone/rclone@64ab1ac32260
// backend/quatrix/quatrix.go:708-785 (Copy).
func (a *API) copyOne(w http.ResponseWriter, r *http.Request, acc *account) {
	a.copyMoveOne(w, r, acc, true)
}

func (a *API) copyMoveOne(w http.ResponseWriter, r *http.Request, acc *account, isCopy bool) {
	var req copyMoveOneReq
	if e := a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	if e := checkUUID("file_id", req.FileID, true); e != nil {
		writeError(w, e)
		return
	}
	if e := checkUUID("target_id", req.TargetID, true); e != nil {
		writeError(w, e)
		return
	}
	var mtime *time.Time
	if req.MTime != nil {
		if *req.MTime < 0 || math.IsInf(*req.MTime, 0) || *req.MTime > 1e12 {
			writeError(w, errf(400, codeBadParameter, "mtime must be Unix seconds"))
			return
		}
		t := time.UnixMicro(int64(math.Round(*req.MTime * 1e6)))
		mtime = &t
	}
	mode := ""
	if req.ResolveMode != nil {
		mode = *req.ResolveMode
	}
	if mode != "" && mode != resolveOverwrite && a.env.Switches.On(SwitchResolveMode) {
		writeError(w, errf(400, codeBadParameter, "resolve_mode must be %q or empty", resolveOverwrite))
		return
	}
	src, e := a.node(acc, *req.FileID)
	if e != nil {
		writeError(w, e)
		return
	}
	if !isCopy && (src.ID == acc.home || src.ID == acc.trash) {
		writeError(w, errf(400, codeNotAllowed, "the home and trash folders cannot be moved"))
		return
	}
	if _, e := a.folder(acc, *req.TargetID); e != nil {
		writeError(w, e)
		return
	}
	name := src.Name
	if req.Name != nil {
		if e := a.checkName("name", req.Name); e != nil {
			writeError(w, e)
			return
		}
		name = *req.Name
	}
	resolve := req.Resolve == nil || *req.Resolve
	name, victim, e := a.placeFor(src, *req.TargetID, name, resolve, mode == resolveOverwrite)
	if e != nil {
		writeError(w, e)
		return
	}
	out, e := a.place(src.ID, *req.TargetID, name, victim, isCopy)
	if e != nil {
		writeError(w, e)
		return
	}
	if mtime != nil {
		var err error
		if out, err = a.env.Store.Update(Name, out.ID, func(n *sandbox.Node) { n.MTime = *mtime }); err != nil {
			writeError(w, errf(404, codeNotFound, "%v", err))
			return
		}
	}
	a.writeObject(w, http.StatusOK, out, false)
}

// placeFor decides the name src gets in target (Q-ONE-CONFLICT). A free
// name, or src's own place, is used as is. A taken one is 400 code 30
// without resolve (as makedir and upload/link); with resolve and the
// overwrite mode a file replaces a file of that name (rclone
// docs/content/quatrix.md:291-294: "In case of conflict, files are
// overwritten during server-side operation"), which the sandbox deletes
// for good; with resolve and no mode the first free name(n) is used, as
// resolve does elsewhere (seed quatrix-uploading-files.txt). Overwriting
// a folder, or a file by a folder, is not described anywhere: the sandbox
// refuses it with code 30 rather than guess.
//
// It returns the name to use and, for an overwrite, the id of the file to
// replace ("" otherwise); place replaces it only once the new content is
// in place, so a failed copy loses nothing.
func (a *API) placeFor(src sandbox.Node, target, name string, resolve, overwrite bool) (string, string, *apiError) {
	st := a.env.Store
	cur, err := st.Lookup(Name, target, name)
	if errors.Is(err, sandbox.ErrNotFound) || (err == nil && cur.ID == src.ID) {
		return name, "", nil
	}
	if err != nil {
		return "", "", errf(404, codeNotFound, "%v", err)
	}
	switch {
	case !resolve:
		return "", "", errf(400, codeObjectExists, "an object called %q already exists", name)
	case overwrite:
		if isFolder(cur) || isFolder(src) {
			return "", "", errf(400, codeObjectExists, "%q exists and only a file can overwrite a file", name)
		}
		return name, cur.ID, nil
	}
	for i := 1; i < 10_000; i++ {
		alt := altName(name, i, isFolder(src))
		if _, err := st.Lookup(Name, target, alt); errors.Is(err, sandbox.ErrNotFound) {
			return alt, "", nil
		}
	}
	return "", "", errf(400, codeObjectExists, "no free alternative name for %q", name)
}

// place copies or moves id to target/name. With a victim (an overwrite) a
// copy is made under a temporary name first; only then is the victim
// deleted for good and the new node given its name.
func (a *API) place(id, target, name, victim string, isCopy bool) (sandbox.Node, *apiError) {
	final := name
	if victim != "" && isCopy {
		name = ".sandbox-copy-" + sandbox.NewID()
	}
	var out sandbox.Node
	var e *apiError
	if victim != "" && !isCopy {
		// A file moved within the store cannot fail halfway: drop the
		// victim, then move.
		if e := a.deleteForGood(victim); e != nil {
			return sandbox.Node{}, e
		}
	}
	if isCopy {
		out, e = a.copyNode(id, target, name)
	} else {
		out, e = a.moveNode(id, target, name)
	}
	if e != nil || name == final {
		return out, e
	}
	if e := a.deleteForGood(victim); e != nil {
		_ = a.env.Store.Delete(Name, out.ID) // the copy under its temporary name; the victim stays
		return sandbox.Node{}, e
	}
	return a.moveNode(out.ID, target, final)
}

// deleteForGood removes id (an overwritten file) and invalidates any
// upload key writing to it.
func (a *API) deleteForGood(id string) *apiError {
	if err := a.env.Store.Delete(Name, id); err != nil && !errors.Is(err, sandbox.ErrNotFound) {
		return errf(500, -1, "overwrite: %v", err)
	}
	a.dropDeletedUploads()
	return nil
}

// moveNode moves id to parent/name, keeping its id.
func (a *API) moveNode(id, parent, name string) (sandbox.Node, *apiError) {
	n, err := a.env.Store.Move(Name, id, parent, name)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, sandbox.ErrInsideItself):
		return sandbox.Node{}, errf(400, codeNotAllowed, "a folder cannot be moved into itself")
	case errors.Is(err, sandbox.ErrExists):
		return sandbox.Node{}, errf(400, codeObjectExists, "an object called %q already exists", name)
	}
	return sandbox.Node{}, errf(404, codeNotFound, "%v", err)
}

// copyNode copies id (recursively for a folder) into parent under name,
// which must be free, keeping modification times; the copy gets new ids.
func (a *API) copyNode(id, parent, name string) (sandbox.Node, *apiError) {
	if a.env.Store.IsWithin(Name, parent, id) {
		return sandbox.Node{}, errf(400, codeNotAllowed, "a folder cannot be copied into itself")
	}
	n, err := a.copyTree(id, parent, name)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return sandbox.Node{}, ae
		}
		return sandbox.Node{}, errf(500, -1, "copy: %v", err)
	}
	return n, nil
}

func (a *API) copyTree(id, parent, name string) (sandbox.Node, error) {
	st := a.env.Store
	n, err := st.Get(Name, id)
	if err != nil {
		return sandbox.Node{}, err
	}
	if n.Kind != sandbox.KindFile {
		// A folder, or a placeholder (no content yet): same kind, same
		// metadata, a fresh creation time.
		c, e := a.create(parent, sandbox.Node{Name: name, Kind: n.Kind, Meta: n.Meta}, false)
		if e != nil {
			return sandbox.Node{}, e
		}
		kids, err := st.Children(Name, id)
		if err != nil {
			return sandbox.Node{}, err
		}
		for _, k := range kids {
			if _, err := a.copyTree(k.ID, c.ID, k.Name); err != nil {
				return sandbox.Node{}, err
			}
		}
		return st.Update(Name, c.ID, func(c *sandbox.Node) { c.MTime = n.MTime })
	}
	b, err := st.NewBlob()
	if err != nil {
		return sandbox.Node{}, err
	}
	if n.Size > 0 {
		f, err := st.Open(Name, id)
		if err != nil {
			b.Discard()
			return sandbox.Node{}, err
		}
		_, err = b.ReadFrom(f)
		f.Close()
		if err != nil {
			b.Discard()
			return sandbox.Node{}, fmt.Errorf("copy %q: %w", n.Name, err)
		}
	}
	meta := map[string]string{}
	for k, v := range n.Meta {
		meta[k] = v
	}
	meta[metaCreated] = fmt.Sprint(a.env.Now().UnixMicro())
	return st.Commit(Name, parent, name, b, sandbox.CommitOptions{MTime: n.MTime, Meta: meta})
}

// rename is POST /file/rename/{id} {name, resolve=true} (Q-RENAME): 200
// FileRenameResp, the File object plus old_name.
// maytech/api-client-go@3d3df036 api/swagger.yaml:778-810 (route, 200/400),
// FileRenameReq and FileRenameResp definitions.
func (a *API) rename(w http.ResponseWriter, r *http.Request, acc *account) {
	id := r.PathValue("id")
	if !uuidRE.MatchString(id) {
		writeError(w, errf(400, codeBadParameter, "id must be a UUID"))
		return
	}
	var req struct {
		Name    *string `json:"name"`
		Resolve *bool   `json:"resolve"`
	}
	if e := a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	if e := a.checkName("name", req.Name); e != nil {
		writeError(w, e)
		return
	}
	n, e := a.node(acc, id)
	if e != nil {
		writeError(w, e)
		return
	}
	if n.ID == acc.home || n.ID == acc.trash {
		writeError(w, errf(400, codeNotAllowed, "the home and trash folders cannot be renamed"))
		return
	}
	name, _, e := a.placeFor(n, n.Parent, *req.Name, req.Resolve == nil || *req.Resolve, false)
	if e != nil {
		writeError(w, e)
		return
	}
	out, e := a.moveNode(n.ID, n.Parent, name)
	if e != nil {
		writeError(w, e)
		return
	}
	o, err := a.object(out, false)
	if err != nil {
		writeError(w, errf(404, codeNotFound, "%v", err))
		return
	}
	o.OldName = n.Name
	sandbox.WriteJSON(w, http.StatusOK, o)
}

// copyMoveFilesReq is CopyMoveFilesReq: maytech/api-client-go@3d3df036
// api/swagger.yaml definitions (ids and target required, resolve default
// true).
type copyMoveFilesReq struct {
	IDs     *[]string `json:"ids"`
	Target  *string   `json:"target"`
	Resolve *bool     `json:"resolve"`
}

// moveFiles is POST /file/move (Q-MOVE): 200 {ids} for up to 10 ids, 202
// {job_id} for more (maytech/api-client-go@3d3df036 api/swagger.yaml:691-720).
// The sandbox moves synchronously, so the job is done when 202 arrives.
// With resolve a taken name becomes name(n); without it, 400 code 30.
func (a *API) moveFiles(w http.ResponseWriter, r *http.Request, acc *account) {
	a.copyMoveFiles(w, r, acc, false)
}

// copyFiles is POST /file/copy (Q-COPY): always 202 {job_id}
// (maytech/api-client-go@3d3df036 api/swagger.yaml:631-658); done
// synchronously, like moveFiles.
func (a *API) copyFiles(w http.ResponseWriter, r *http.Request, acc *account) {
	a.copyMoveFiles(w, r, acc, true)
}

func (a *API) copyMoveFiles(w http.ResponseWriter, r *http.Request, acc *account, isCopy bool) {
	var req copyMoveFilesReq
	if e := a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	if req.IDs == nil {
		writeError(w, errf(400, codeMissingParameter, "missing parameter \"ids\""))
		return
	}
	if len(*req.IDs) == 0 {
		writeError(w, errf(400, codeBadParameter, "ids must not be empty"))
		return
	}
	if e := checkUUID("target", req.Target, true); e != nil {
		writeError(w, e)
		return
	}
	if _, e := a.folder(acc, *req.Target); e != nil {
		writeError(w, e)
		return
	}
	srcs := make([]sandbox.Node, 0, len(*req.IDs))
	for _, id := range *req.IDs {
		if !uuidRE.MatchString(id) {
			writeError(w, errf(400, codeBadParameter, "ids must be UUIDs"))
			return
		}
		n, e := a.node(acc, id)
		if e != nil {
			writeError(w, e)
			return
		}
		if !isCopy && (id == acc.home || id == acc.trash) {
			writeError(w, errf(400, codeNotAllowed, "the home and trash folders cannot be moved"))
			return
		}
		srcs = append(srcs, n)
	}
	resolve := req.Resolve == nil || *req.Resolve
	for _, src := range srcs {
		name, victim, e := a.placeFor(src, *req.Target, src.Name, resolve, false)
		if e == nil {
			_, e = a.place(src.ID, *req.Target, name, victim, isCopy)
		}
		if e != nil {
			writeError(w, e)
			return
		}
	}
	if isCopy || len(*req.IDs) > 10 {
		sandbox.WriteJSON(w, http.StatusAccepted, map[string]string{"job_id": sandbox.NewID()})
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string][]string{"ids": *req.IDs})
}

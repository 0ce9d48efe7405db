package quatrix

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// deleteFiles is POST /file/delete {ids, delete_permanently=false}. Up to
// 10 ids answer 200 {ids}; more answer 202 {job_id} (the sandbox still
// deletes synchronously, so the job is done when the answer arrives).
// Without delete_permanently the items move to the user's Trash (as copies
// with new ids: the store has no move). Deleting an upload's file
// invalidates its key. Q-DELETE: maytech/api-client-go@3d3df036
// api/swagger.yaml:659-690; rclone/rclone@64ab1ac32260
// backend/quatrix/quatrix.go:626-652, api/types.go:26-30.
func (a *API) deleteFiles(w http.ResponseWriter, r *http.Request, acc *account) {
	var req struct {
		IDs               *[]string `json:"ids"`
		DeletePermanently *bool     `json:"delete_permanently"`
	}
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
	for _, id := range *req.IDs {
		if !uuidRE.MatchString(id) {
			writeError(w, errf(400, codeBadParameter, "ids must be UUIDs"))
			return
		}
		if _, e := a.node(acc, id); e != nil {
			writeError(w, e)
			return
		}
		if id == acc.home || id == acc.trash {
			writeError(w, errf(400, codeNotAllowed, "the home and trash folders cannot be deleted"))
			return
		}
	}
	permanent := req.DeletePermanently != nil && *req.DeletePermanently
	for _, id := range *req.IDs {
		var err error
		if !permanent && !a.env.Store.IsWithin(Name, id, acc.trash) {
			err = a.copyInto(id, acc.trash)
		}
		if err == nil {
			err = a.env.Store.Delete(Name, id)
		}
		if err != nil && !errors.Is(err, sandbox.ErrNotFound) {
			writeError(w, errf(500, -1, "delete %s: %v", id, err))
			return
		}
	}
	a.dropDeletedUploads()
	if len(*req.IDs) > 10 {
		sandbox.WriteJSON(w, http.StatusAccepted, map[string]string{"job_id": sandbox.NewID()})
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string][]string{"ids": *req.IDs})
}

// copyInto copies node id (recursively) into folder dest, renaming on a
// name clash the way resolve=true does.
func (a *API) copyInto(id, dest string) error {
	st := a.env.Store
	n, err := st.Get(Name, id)
	if err != nil {
		return err
	}
	switch n.Kind {
	case sandbox.KindFolder:
		copied, e := a.create(dest, sandbox.Node{Name: n.Name, Kind: sandbox.KindFolder, Meta: n.Meta}, true)
		if e != nil {
			return e
		}
		kids, err := st.Children(Name, id)
		if err != nil {
			return err
		}
		for _, k := range kids {
			if err := a.copyInto(k.ID, copied.ID); err != nil {
				return err
			}
		}
		return nil
	case sandbox.KindFile:
		f, err := st.Open(Name, id)
		if errors.Is(err, sandbox.ErrNotFound) {
			// An empty file has no blob.
			b, err := st.NewBlob()
			if err != nil {
				return err
			}
			_, err = st.Commit(Name, dest, n.Name, b, sandbox.CommitOptions{Conflict: sandbox.ConflictRename, RenameFormat: renameFormat, MTime: n.MTime, Meta: n.Meta})
			return err
		}
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := st.NewBlob()
		if err != nil {
			return err
		}
		if _, err := b.ReadFrom(f); err != nil {
			b.Discard()
			return fmt.Errorf("copy %q to the trash: %w", n.Name, err)
		}
		_, err = st.Commit(Name, dest, n.Name, b, sandbox.CommitOptions{Conflict: sandbox.ConflictRename, RenameFormat: renameFormat, MTime: n.MTime, Meta: n.Meta})
		return err
	}
	// A placeholder has no content: it goes to the trash as what it is.
	_, e := a.create(dest, sandbox.Node{Name: n.Name, Kind: n.Kind, Meta: n.Meta}, true)
	if e != nil {
		return e
	}
	return nil
}

func renameFormat(base, ext string, n int) string { return fmt.Sprintf("%s(%d)%s", base, n, ext) }

// dropDeletedUploads invalidates the keys of uploads whose file is gone.
func (a *API) dropDeletedUploads() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, u := range a.uploads {
		if u.done || u.gone {
			continue
		}
		if _, err := a.env.Store.Get(Name, u.fileID); err != nil {
			u.gone = true
			u.blob.Discard()
		}
	}
}

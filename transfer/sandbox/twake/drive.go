package twake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// The Drive documents endpoints (notes §1.6): create a folder item, create
// a file item pointing at an uploaded file, read an item with its
// children. Drive item ids are store node ids below /drive; "root" is
// /drive itself. Only the configured company has a Drive here; others get
// 403. Multipart item creation (upload and item in one call) is not
// emulated and answers 415.

// storeID maps a Drive id to a store node id.
func (a *API) storeID(id string) string {
	if id == api.RootFolderID {
		return a.driveRoot
	}
	return id
}

// driveID maps a store node id to a Drive id.
func (a *API) driveID(id string) string {
	if id == a.driveRoot {
		return api.RootFolderID
	}
	return id
}

// driveNode returns the node a Drive id names, if it lies below /drive.
func (a *API) driveNode(id string) (sandbox.Node, bool) {
	sid := a.storeID(id)
	if !a.env.Store.IsWithin(Name, sid, a.driveRoot) {
		return sandbox.Node{}, false
	}
	n, err := a.env.Store.Get(Name, sid)
	return n, err == nil
}

func (a *API) companyOK(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("company_id") != a.cfg.CompanyID {
		writeError(w, http.StatusForbidden, "You do not have access to this company")
		return false
	}
	return true
}

// handleItemCreate is POST .../documents/v1/companies/{c}/item.
func (a *API) handleItemCreate(w http.ResponseWriter, r *http.Request) {
	if !a.companyOK(w, r) {
		drain(r)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		drain(r)
		writeError(w, http.StatusUnsupportedMediaType, "sandbox: only JSON item creation is emulated")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, bodyLimit+1))
	if err != nil || len(body) > bodyLimit {
		writeError(w, http.StatusRequestEntityTooLarge, "Request body is too large")
		return
	}
	req, err := decodeItemRequest(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Item.CompanyID != "" && req.Item.CompanyID != a.cfg.CompanyID {
		writeError(w, http.StatusBadRequest, "item.company_id differs from the path")
		return
	}
	parent, ok := a.driveNode(req.Item.ParentID)
	if !ok || parent.Kind != sandbox.KindFolder {
		writeError(w, http.StatusNotFound, "parent item not found")
		return
	}
	var n sandbox.Node
	if req.Item.IsDirectory {
		n, err = a.createFolder(parent.ID, req.Item.Name)
	} else {
		n, err = a.createFileItem(parent.ID, req)
	}
	var bad badRequest
	switch {
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, bad.Error())
		return
	case err != nil:
		writeInternal(w)
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, a.item(n))
}

// badRequest is a client mistake in an item request.
type badRequest struct{ msg string }

func (b badRequest) Error() string { return b.msg }

// decodeItemRequest parses and validates an item creation body.
func decodeItemRequest(body []byte) (api.DriveItemRequest, error) {
	var req api.DriveItemRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("body is not an item request: %v", err)
	}
	switch {
	case req.Item.Name == "":
		return req, errors.New("item.name is required")
	case req.Item.ParentID == "":
		return req, errors.New("item.parent_id is required")
	case !req.Item.IsDirectory && (req.Version.FileMetadata == nil || req.Version.FileMetadata.ExternalID == ""):
		return req, errors.New("a file item needs version.file_metadata.external_id (the uploaded file's id)")
	}
	return req, nil
}

// createFolder adds a folder item; a taken name gets " (n)" appended, as
// Drive keeps both.
func (a *API) createFolder(parent, name string) (sandbox.Node, error) {
	for i := 0; ; i++ {
		try := name
		if i > 0 {
			try = name + " (" + strconv.Itoa(i) + ")"
		}
		n, err := a.env.Store.Create(Name, parent, sandbox.Node{Name: try, Kind: sandbox.KindFolder})
		switch {
		case errors.Is(err, sandbox.ErrExists):
			continue
		case errors.Is(err, sandbox.ErrBadName):
			return n, badRequest{"invalid item name " + strconv.Quote(name)}
		}
		return n, err
	}
}

// createFileItem places a copy of a complete uploaded file in the folder.
func (a *API) createFileItem(parent string, req api.DriveItemRequest) (sandbox.Node, error) {
	fm := req.Version.FileMetadata
	c, ok := a.Completion(a.cfg.CompanyID, fm.ExternalID)
	if !ok {
		return sandbox.Node{}, badRequest{"file " + strconv.Quote(fm.ExternalID) + " does not exist"}
	}
	if !c.Complete {
		return sandbox.Node{}, badRequest{"file " + strconv.Quote(fm.ExternalID) + " is not complete: " + c.Problem}
	}
	a.mu.Lock()
	f := a.files[fileKey{a.cfg.CompanyID, fm.ExternalID}]
	a.mu.Unlock()
	if f == nil { // deleted since the completion check
		return sandbox.Node{}, badRequest{"file " + strconv.Quote(fm.ExternalID) + " does not exist"}
	}
	b, err := a.env.Store.NewBlob()
	if err != nil {
		return sandbox.Node{}, err
	}
	src, err := a.env.Store.Open(Name, f.node)
	if err != nil {
		b.Discard()
		return sandbox.Node{}, err
	}
	_, err = b.ReadFrom(src)
	src.Close()
	if err != nil {
		b.Discard()
		return sandbox.Node{}, err
	}
	n, err := a.env.Store.Commit(Name, parent, req.Item.Name, b, sandbox.CommitOptions{
		Conflict: sandbox.ConflictRename,
		Meta:     map[string]string{"external_id": fm.ExternalID, "mime": fm.Mime},
	})
	if errors.Is(err, sandbox.ErrBadName) {
		return n, badRequest{"invalid item name " + strconv.Quote(req.Item.Name)}
	}
	return n, err
}

// handleItemGet is GET .../item/{id}: the item, its version, its children.
func (a *API) handleItemGet(w http.ResponseWriter, r *http.Request) {
	if !a.companyOK(w, r) {
		return
	}
	n, ok := a.driveNode(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "item not found")
		return
	}
	d := api.DriveItemDetails{Item: a.item(n), Versions: []api.DriveVersion{}, Children: []api.DriveItem{}}
	if n.Kind == sandbox.KindFolder {
		kids, err := a.env.Store.Children(Name, n.ID)
		if err != nil {
			writeInternal(w)
			return
		}
		for _, k := range kids {
			d.Children = append(d.Children, a.item(k))
		}
	} else {
		empty := ""
		d.Versions = append(d.Versions, api.DriveVersion{
			Provider: "internal", ApplicationID: &empty,
			FileMetadata: &api.DriveFileMetadata{
				Name: n.Name, Size: n.Size, Mime: n.Meta["mime"],
				Thumbnails: []api.Thumbnail{}, Source: "internal", ExternalID: n.Meta["external_id"],
			},
		})
	}
	sandbox.WriteJSON(w, http.StatusOK, d)
}

// item renders a store node as a Drive item.
func (a *API) item(n sandbox.Node) api.DriveItem {
	it := api.DriveItem{
		ID: a.driveID(n.ID), CompanyID: a.cfg.CompanyID, ParentID: a.driveID(n.Parent), Name: n.Name,
		IsDirectory: n.Kind == sandbox.KindFolder, Size: n.Size, Added: strconv.FormatInt(n.MTime.UnixMilli(), 10),
	}
	if n.ID == a.driveRoot {
		it.ParentID, it.Name = "", "root"
	}
	if !it.IsDirectory {
		it.WorkspaceID = "drive"
	}
	return it
}

package twake

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// The Drive documents endpoints: create an item (a folder, or a file item
// pointing at an uploaded files-service entity) and read an item with its
// children. Drive item ids are store node ids below /drive; "root" is
// /drive itself. Rules cite linagora/Twake@39f533e5e838 below
// twake/backend/node/src/services/documents (D/) and docs/protocols/twake.md.
//
// Known deviations of the store (documented in the rule table): names are
// unique per folder whatever the kind, so a file and a folder of one name
// cannot coexist (the real server allows it), and a file item cannot be a
// parent.

// storeID maps a Drive id to a store node id.
func (a *API) storeID(id string) string {
	if id == rootID {
		return a.driveRoot
	}
	return id
}

// driveID maps a store node id to a Drive id.
func (a *API) driveID(id string) string {
	if id == a.driveRoot {
		return rootID
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

// optionalClaims is fastify.authenticateOptional (rule TW-AUTH-2): the
// documents routes run with or without a valid token; nil when the token is
// missing or bad (core/platform/services/auth/web/jwt.ts:36-40).
func (a *API) optionalClaims(r *http.Request) *Claims {
	c, err := a.verify(r.Header.Get("Authorization"))
	if err != nil {
		return nil
	}
	return c
}

// writeCreateFailed is the create controller's catch-all (rule TW-DRIVE-1):
// every error becomes CrudException("Failed to create Drive item", 500),
// which the platform's error handler writes as the generic 500 body
// (D/web/controllers/documents.ts:65-68, webserver/error.ts:7-15).
func writeCreateFailed(w http.ResponseWriter) { writeInternal(w) }

// handleItemCreate is POST .../documents/v1/companies/{c}/item.
func (a *API) handleItemCreate(w http.ResponseWriter, r *http.Request) {
	c := a.optionalClaims(r)
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		// Sandbox limit (rule TW-DRIVE-9): the real route also takes a
		// multipart upload-and-create, which is not emulated.
		drain(r)
		writeError(w, http.StatusUnsupportedMediaType, "sandbox: only JSON item creation is emulated")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, bodyLimit+1))
	if err != nil || len(body) > bodyLimit {
		drain(r)
		writeError(w, http.StatusRequestEntityTooLarge, "Request body is too large")
		return
	}
	var req itemRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Unexpected token in JSON body")
		return
	}
	// Schema validation runs before the handler, so it is a real 400
	// (D/web/schemas.ts:87-95: item and version required objects).
	if req.Item == nil || req.Version == nil {
		missing := "item"
		if req.Item != nil {
			missing = "version"
		}
		writeError(w, http.StatusBadRequest, "body should have required property '"+missing+"'")
		return
	}
	if msg := a.strictItemRefusal(r, body, req); msg != "" {
		writeStrict(w, msg)
		return
	}
	// From here on the real code runs inside the controller's try: any
	// failure is the generic 500 (rule TW-DRIVE-1).
	parentID := req.Item.ParentID
	if parentID == "" {
		parentID = rootID // getDefaultDriveItem: parent_id || "root" (D/utils.ts:47)
	}
	// Write access to the parent (D/services/index.ts:205-215): no user
	// (a bad token under authenticateOptional) or a company the user is not
	// in (a guest: "read" on root) has none (D/utils.ts:362-363).
	if c == nil || r.PathValue("company_id") != a.cfg.CompanyID {
		drain(r)
		writeCreateFailed(w)
		return
	}
	parent, ok := a.driveNode(parentID)
	if !ok || parent.Kind != sandbox.KindFolder {
		writeCreateFailed(w)
		return
	}
	var n sandbox.Node
	if req.Item.IsDirectory {
		n, err = a.createFolder(parent.ID, req.Item.Name, c)
	} else {
		ext := ""
		if req.Version.FileMetadata != nil {
			ext = req.Version.FileMetadata.ExternalID
		}
		n, err = a.createFileItem(parent.ID, req.Item.Name, ext, c)
	}
	if err != nil {
		writeCreateFailed(w)
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, a.created(n))
}

// strictItemRefusal is the strict check SwitchDriveItem: what the real
// server silently accepts but no client should send. The official web
// client sends none of these.
func (a *API) strictItemRefusal(r *http.Request, body []byte, req itemRequest) string {
	if !a.strict(SwitchDriveItem) {
		return ""
	}
	var loose struct {
		Item struct {
			CompanyID string `json:"company_id"`
		} `json:"item"`
	}
	_ = json.Unmarshal(body, &loose) // it parsed above
	switch {
	case loose.Item.CompanyID != "" && loose.Item.CompanyID != r.PathValue("company_id"):
		return "item.company_id differs from the path (the server ignores it and uses the path's company)"
	case req.Item.Name == "":
		return "item.name is empty (the server creates an item without a name)"
	case !req.Item.IsDirectory && (req.Version.FileMetadata == nil || req.Version.FileMetadata.ExternalID == ""):
		return "a file item without version.file_metadata.external_id is an empty item"
	case !req.Item.IsDirectory:
		if cpl, ok := a.Completion(r.PathValue("company_id"), req.Version.FileMetadata.ExternalID); ok && cpl.Chunks > 0 && !cpl.Complete {
			return "file " + strconv.Quote(req.Version.FileMetadata.ExternalID) + " is not complete: " + cpl.Problem
		}
	}
	return ""
}

// itemName is getItemName (rule TW-DRIVE-4, D/utils.ts:703-741): the name
// cut to 255 characters, then, while a sibling of the same kind has it,
// "-2" inserted before the last extension ("a.txt", "a-2.txt",
// "a-2-2.txt"; "a" gives "a-2").
func itemName(name string, taken func(string) bool) string {
	if r := []rune(name); len(r) > 255 { // JavaScript counts UTF-16 units; close enough
		name = string(r[:255])
	}
	for taken(name) {
		name = nextName(name)
	}
	return name
}

// nextName is one step of getItemName's rename.
func nextName(name string) string {
	i := strings.LastIndex(name, ".")
	ext := name[i+1:] // split(".").pop(): the whole name when there is no dot
	if ext != "" && ext != name {
		return name[:len(name)-len(ext)-1] + "-2." + ext
	}
	return name + "-2"
}

// takenBy returns whether a child of parent of the given kind has a name.
// Each question is one store lookup (names are unique in a folder), so
// naming an item costs the same however many items the folder holds:
// listing the folder for it made every new item cost the whole folder.
func (a *API) takenBy(parent string, dir bool) func(string) bool {
	return func(name string) bool {
		k, err := a.env.Store.Lookup(Name, parent, name)
		return err == nil && (k.Kind == sandbox.KindFolder) == dir
	}
}

// createFolder adds a folder item named by itemName.
func (a *API) createFolder(parent, name string, c *Claims) (sandbox.Node, error) {
	try := itemName(name, a.takenBy(parent, true))
	for range 64 {
		n, err := a.env.Store.Create(Name, parent, sandbox.Node{
			Name: try, Kind: sandbox.KindFolder, Meta: map[string]string{"creator": c.Subject},
		})
		if !errors.Is(err, sandbox.ErrExists) {
			return n, err
		}
		try = nextName(try) // taken by the other kind, or a concurrent create
	}
	return sandbox.Node{}, sandbox.ErrExists
}

// createFileItem is create for a file item (D/services/index.ts:217-248):
// with an external_id it waits for the file's preview (rule TW-DRIVE-2),
// then copies the file's content (as far as its chunks go) into the
// folder; without one it makes an empty item. A file that does not exist
// or has no upload data fails (a TypeError on the real server).
func (a *API) createFileItem(parent, name, externalID string, c *Claims) (sandbox.Node, error) {
	meta := map[string]string{"creator": c.Subject, "version": sandbox.NewID()}
	b, err := a.env.Store.NewBlob()
	if err != nil {
		return sandbox.Node{}, err
	}
	if externalID != "" {
		wait := a.waitForThumbnail
		if a.tdrive() {
			// Twake Drive legacy reads the file without waiting
			// (twake-drive-legacy@03cf4614a506 tdrive/backend/node/src/
			// services/documents/services/index.ts:398-405).
			wait = a.fileForItem
		}
		f, err := wait(a.cfg.CompanyID, externalID)
		if err != nil {
			b.Discard()
			return sandbox.Node{}, err
		}
		f.mu.Lock()
		meta["external_id"], meta["mime"], meta["file_name"] = f.id, f.metadata.Mime, f.metadata.Name
		meta["file_size"] = strconv.FormatInt(f.uploadData.Size, 10)
		err = a.concat(b, f, f.uploadData.Chunks)
		f.mu.Unlock()
		if err != nil {
			b.Discard()
			return sandbox.Node{}, err
		}
	}
	try := itemName(name, a.takenBy(parent, false))
	for range 64 {
		n, err := a.env.Store.Commit(Name, parent, try, b, sandbox.CommitOptions{Conflict: sandbox.ConflictFail, Meta: meta})
		if !errors.Is(err, sandbox.ErrExists) {
			return n, err
		}
		try = nextName(try)
	}
	b.Discard()
	return sandbox.Node{}, sandbox.ErrExists
}

// fileForItem is the file lookup of a create that does not wait: the
// entity with its metadata and upload data, or errNoEntity.
func (a *API) fileForItem(company, id string) (*file, error) {
	a.mu.Lock()
	f := a.files[fileKey{company, id}]
	a.mu.Unlock()
	if f == nil {
		return nil, errNoEntity
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted || f.metadata == nil || f.uploadData == nil {
		return nil, errNoEntity
	}
	return f, nil
}

// handleItemGet is GET .../item/{id}: the item, its versions, its children
// (D/services/index.ts:89-184, under authenticateOptional).
func (a *API) handleItemGet(w http.ResponseWriter, r *http.Request) {
	c := a.optionalClaims(r)
	id := r.PathValue("id")
	ours := r.PathValue("company_id") == a.cfg.CompanyID
	// Root and trash are virtual; anything else is looked up in the
	// company first: unknown is 404 whatever the token (index.ts:110-113).
	var n sandbox.Node
	switch {
	case id == rootID || id == "trash":
	case !ours:
		writeError(w, http.StatusNotFound, "Item not found")
		return
	default:
		var ok bool
		if n, ok = a.driveNode(id); !ok {
			writeError(w, http.StatusNotFound, "Item not found")
			return
		}
	}
	// Read access (index.ts:115-125, utils.ts:362-369): none without a
	// user; a user outside the company is a guest who may read its root.
	if c == nil || (!ours && id == "trash") {
		writeError(w, http.StatusUnauthorized, "User does not have access to this item or its children")
		return
	}
	d := itemDetails{Versions: []driveVersion{}, Children: []driveItem{}, Websockets: []any{}, Access: "manage"}
	if !ours {
		d.Access = "read"
	}
	var it driveItem
	var size int64
	if id == rootID || id == "trash" {
		d.Path = []any{map[string]string{"id": id, "name": map[string]string{rootID: "Home", "trash": "Trash"}[id]}}
		if id == rootID && ours {
			n, _ = a.driveNode(rootID)
		}
	} else {
		it = a.entity(n)
		d.Path = []any{map[string]string{"id": rootID, "name": "Home"}, it}
	}
	if n.ID != "" && n.Kind == sandbox.KindFolder {
		kids, err := a.env.Store.Children(Name, n.ID)
		if err != nil {
			writeInternal(w)
			return
		}
		for _, k := range kids {
			d.Children = append(d.Children, a.entity(k))
			size += k.Size
		}
	} else if it.LastVersionCache != nil {
		d.Versions = append(d.Versions, *it.LastVersionCache)
	}
	if id == rootID || id == "trash" {
		// The virtual item (index.ts:168-179): only these four keys.
		d.Item = map[string]any{"id": id, "parent_id": nil, "name": id, "size": size}
	} else {
		d.Item = it
	}
	sandbox.WriteJSON(w, http.StatusOK, d)
}

// entity renders a store node as the DriveFile entity JSON.stringify
// writes (every column of D/entities/drive-file.ts), the file items with
// their last_version_cache (set by create, index.ts:263).
func (a *API) entity(n sandbox.Node) driveItem {
	parent := a.driveID(n.Parent)
	added := strconv.FormatInt(n.MTime.UnixMilli(), 10)
	it := driveItem{
		ID: a.driveID(n.ID), CompanyID: a.cfg.CompanyID, ParentID: &parent, Name: n.Name,
		IsDirectory: n.Kind == sandbox.KindFolder, Size: n.Size, Added: added, LastModified: added,
		Creator: n.Meta["creator"], Tags: []string{},
		AccessInfo: map[string]any{"entities": []map[string]string{
			{"id": "parent", "type": "folder", "level": "manage"},
			{"id": n.Meta["creator"], "type": "user", "level": "manage"},
		}},
	}
	if it.IsDirectory {
		return it
	}
	if i := strings.LastIndex(n.Meta["file_name"], "."); i >= 0 {
		it.Extension = n.Meta["file_name"][i+1:]
	} else {
		it.Extension = n.Meta["file_name"]
	}
	size, _ := strconv.ParseInt(n.Meta["file_size"], 10, 64)
	it.LastVersionCache = &driveVersion{
		ID: n.Meta["version"], DriveItemID: it.ID, DateAdded: n.MTime.UnixMilli(), CreatorID: n.Meta["creator"],
		Mode: "OpenSSL-2", FileSize: size, Filename: n.Meta["file_name"],
	}
	if ext := n.Meta["external_id"]; ext != "" {
		it.LastVersionCache.Provider = "internal"
		it.LastVersionCache.FileMetadata = versionFileMD{
			Source: "internal", ExternalID: ext, Name: n.Meta["file_name"], Mime: n.Meta["mime"],
			Size: size, Thumbnails: []thumbnail{},
		}
	}
	return it
}

// created renders the create answer through documentSchema (rule
// TW-DRIVE-7).
func (a *API) created(n sandbox.Node) createdItem {
	e := a.entity(n)
	out := createdItem{
		ID: e.ID, CompanyID: e.CompanyID, ParentID: *e.ParentID, IsInTrash: e.IsInTrash, IsDirectory: e.IsDirectory,
		Name: e.Name, Extension: e.Extension, Tags: e.Tags, Added: e.Added, LastModified: e.LastModified,
		Creator: e.Creator, Size: e.Size,
	}
	if v := e.LastVersionCache; v != nil {
		out.LastVersionCache = &createdVersion{
			ID: v.ID, Provider: v.Provider, DriveItemID: v.DriveItemID, DateAdded: strconv.FormatInt(v.DateAdded, 10),
			CreatorID: v.CreatorID, Mode: v.Mode, FileSize: v.FileSize, Filename: v.Filename,
			FileMetadata: createdVersionMD{
				Source: v.FileMetadata.Source, ExternalID: v.FileMetadata.ExternalID,
				Name: v.FileMetadata.Name, Mime: v.FileMetadata.Mime,
			},
		}
		if v.FileMetadata.ExternalID != "" {
			out.LastVersionCache.FileMetadata.Size = strconv.FormatInt(v.FileMetadata.Size, 10)
			out.LastVersionCache.FileMetadata.Thumbnails = map[string]any{}
		}
	}
	return out
}

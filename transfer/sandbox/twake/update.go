package twake

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// RouteItemUpdate is POST .../documents/v1/companies/{c}/item/{id}: update
// a Drive item (rename, move), linagora/Twake@39f533e5e838
// twake/backend/node/src/services/documents/web/routes.ts:32-37, under
// authenticateOptional and without a body schema.
const RouteItemUpdate = "POST " + items + "/{id}"

// itemUpdate is the part of Partial<DriveFile> the sandbox applies: the
// real update copies only "access_info", "name", "tags", "parent_id" and
// "description" (rule TW-DRIVE-UPD-2; D/services/index.ts:331); a present
// "id" must equal the path's (TW-DRIVE-UPD-3, :326-329).
type itemUpdate struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ParentID string `json:"parent_id"`
}

// handleItemUpdate is the documents update (rules TW-DRIVE-UPD-*,
// D/web/controllers/documents.ts:142-156 and D/services/index.ts:296-375):
//   - the controller's catch turns every failure (no write access, unknown
//     item, id mismatch, a move into itself or below itself, a target that
//     is not a folder) into CrudException("Failed to update item", 500)
//     (TW-DRIVE-UPD-1, index.ts:370-373);
//   - only truthy keys are applied (`if (content[key])`, :333-334): an
//     empty name or parent_id changes nothing;
//   - a new name goes through getItemName against the NEW parent
//     (content.parent_id || item.parent_id, :343-350): a name taken by a
//     sibling of the same kind becomes "name-2.ext" (TW-DRIVE-4), the
//     item never overwrites another;
//   - a move is checked by canMoveItem (D/utils.ts:753-790): not into
//     itself, not below itself, into root/trash or a folder;
//   - the answer is the saved DriveFile entity, 200 (no response schema).
//
// A move without a name keeps the item's name even when the new parent has
// one of that kind (the real code renames only when "name" is sent); the
// sandbox store keeps names unique, so it then applies getItemName too
// (deviation listed in docs/protocols/twake.md).
func (a *API) handleItemUpdate(w http.ResponseWriter, r *http.Request) {
	c := a.optionalClaims(r)
	body, err := io.ReadAll(io.LimitReader(r.Body, bodyLimit+1))
	if err != nil || len(body) > bodyLimit {
		drain(r)
		writeError(w, http.StatusRequestEntityTooLarge, "Request body is too large")
		return
	}
	var req itemUpdate
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeError(w, http.StatusBadRequest, "Unexpected token in JSON body")
			return
		}
	}
	id := r.PathValue("id")
	if c == nil || r.PathValue("company_id") != a.cfg.CompanyID || id == rootID || id == "trash" {
		writeInternal(w) // no write access (TW-DRIVE-UPD-1)
		return
	}
	n, ok := a.driveNode(id)
	if !ok || (req.ID != "" && req.ID != id) {
		writeInternal(w) // "Item not found", "content mismatch"
		return
	}
	parent := n.Parent
	if req.ParentID != "" {
		if req.ParentID == "trash" {
			// Moving to the trash is a delete; Ferry never sends it and
			// the sandbox does not model the trash's access rewrite.
			writeError(w, http.StatusNotImplemented, "sandbox: moving to the trash is not emulated")
			return
		}
		p, ok := a.driveNode(req.ParentID)
		if !ok || p.Kind != sandbox.KindFolder || req.ParentID == id || a.env.Store.IsWithin(Name, p.ID, n.ID) {
			writeInternal(w) // canMoveItem false or its throw
			return
		}
		parent = p.ID
	}
	name := n.Name
	if req.Name != "" || parent != n.Parent {
		want := n.Name
		if req.Name != "" {
			want = req.Name
		}
		taken := a.takenBy(parent, n.Kind == sandbox.KindFolder)
		name = itemName(want, func(s string) bool { return !(parent == n.Parent && s == n.Name) && taken(s) })
	}
	var out sandbox.Node
	for range 64 {
		out, err = a.env.Store.Move(Name, n.ID, parent, name)
		if !errors.Is(err, sandbox.ErrExists) {
			break
		}
		name = nextName(name) // taken by the other kind, or a concurrent change
	}
	if err != nil {
		writeInternal(w)
		return
	}
	sandbox.WriteJSON(w, http.StatusOK, a.entity(out))
}

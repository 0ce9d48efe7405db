package twake

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
)

var _ provider.Mover = (*Provider)(nil)

// maxOwnedItems bounds the listing of a folder checked before a folder
// move; a larger folder is moved file by file instead.
const maxOwnedItems = 10_000

// itemUpdate is the body of the Drive update route: only name and
// parent_id, both always sent (the server applies truthy keys only,
// linagora/Twake@39f533e5e838 twake/backend/node/src/services/documents/
// services/index.ts:331-355).
type itemUpdate struct {
	Name     string `json:"name"`
	ParentID string `json:"parent_id"`
}

// Move renames and moves a Drive item with POST .../item/{id}
// (documents web/routes.ts:32-37): one call for both, the new name checked
// by the server against the new parent's children (it becomes "name-2.ext"
// when taken, never overwriting). A file is found by the files-service id
// Ferry recorded (the Drive item whose version points at it), so only an
// item Ferry registered is moved. A folder is found by its path and moved
// only when every file item below it points at a file m.Owned accepts.
// Without Drive folders files are flat in the files service, which has no
// move: Move returns ErrCannotMove.
func (p *Provider) Move(ctx context.Context, m provider.Move) (provider.Result, error) {
	from := append(append([]string(nil), m.FromDir...), m.FromName)
	op := "move " + strings.Join(from, "/")
	if !p.cfg.DriveFolders {
		return provider.Result{}, &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "files are not kept in Drive folders", Err: provider.ErrCannotMove}
	}
	parent, ok, err := p.lookupFolder(ctx, op, m.FromDir)
	if err != nil {
		return provider.Result{}, err
	}
	if !ok {
		return provider.Result{}, &provider.Error{Kind: provider.ErrSessionGone, Op: op, Message: "the folder is not in Drive"}
	}
	var id string
	if m.Folder {
		d, err := p.getItem(ctx, op, parent)
		if err != nil {
			return provider.Result{}, err
		}
		for _, ch := range d.Children {
			if ch.IsDirectory && !ch.IsInTrash && ch.Name == m.FromName {
				id = ch.ID
			}
		}
		if id == "" {
			return provider.Result{}, &provider.Error{Kind: provider.ErrSessionGone, Op: op, Message: "the folder is not in Drive"}
		}
		if err := p.ownedTree(ctx, op, id, m.Owned, new(int)); err != nil {
			return provider.Result{}, err
		}
	} else {
		if m.RemoteID == "" {
			return provider.Result{}, &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "no remote id was recorded for the file", Err: provider.ErrNotOwned}
		}
		f := api.PublicFile{ID: m.RemoteID, Metadata: &api.Metadata{Name: m.FromName}, UploadData: &api.UploadData{Size: m.Size}}
		item, found, _, err := p.findFileItem(ctx, parent, f)
		if err != nil {
			return provider.Result{}, err
		}
		if !found {
			// Already moved by an earlier try whose answer was lost (a
			// crash after the update): the item is at the destination.
			if dest, ok, err := p.lookupFolder(ctx, op, m.ToDir); err == nil && ok {
				if moved, found, _, err := p.findFileItem(ctx, dest, f); err == nil && found {
					return provider.Result{
						RemoteID: m.RemoteID, RemoteName: moved.Name, Link: p.downloadURL(m.RemoteID),
						RemotePath: path.Join(append(append([]string(nil), m.ToDir...), moved.Name)...),
					}, nil
				}
			}
			return provider.Result{}, &provider.Error{Kind: provider.ErrSessionGone, Op: op, Message: "the file's Drive item is gone"}
		}
		id = item.ID
	}
	target, err := p.folders.resolve(ctx, m.ToDir)
	if err != nil {
		return provider.Result{}, err
	}
	var out api.DriveItem
	if err := p.postJSON(ctx, op, p.itemsURL()+"/"+url.PathEscape(id), itemUpdate{Name: m.ToName, ParentID: target}, &out); err != nil {
		return provider.Result{}, err
	}
	if out.ID != id || out.ParentID != target {
		return provider.Result{}, &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "the server answered with another item or folder than asked"}
	}
	if m.Folder {
		p.folders.forgetTree(from)
	}
	name := out.Name
	if name == "" {
		name = m.ToName
	}
	return provider.Result{
		RemoteID:   m.RemoteID,
		RemoteName: name,
		RemotePath: path.Join(append(append([]string(nil), m.ToDir...), name)...),
		Link:       map[bool]string{true: "", false: p.downloadURL(m.RemoteID)}[m.Folder],
	}, nil
}

// lookupFolder finds the Drive id of dir below the root without creating
// anything; ok is false when a level is missing.
func (p *Provider) lookupFolder(ctx context.Context, op string, dir []string) (string, bool, error) {
	id := p.cfg.DriveRootID
	for i, name := range dir {
		key := strings.Join(dir[:i+1], "/")
		p.folders.mu.Lock()
		cached, ok := p.folders.ids[key]
		p.folders.mu.Unlock()
		if ok {
			id = cached
			continue
		}
		d, err := p.getItem(ctx, op, id)
		if err != nil {
			return "", false, err
		}
		next := ""
		for _, ch := range d.Children {
			if ch.IsDirectory && !ch.IsInTrash && ch.Name == name && ch.ID != "" {
				next = ch.ID
				break
			}
		}
		if next == "" {
			return "", false, nil
		}
		id = next
	}
	return id, true, nil
}

// ownedTree fails with ErrNotOwned unless every file item below folder id
// points at a files-service file owned accepts.
func (p *Provider) ownedTree(ctx context.Context, op, id string, owned func(string) bool, seen *int) error {
	d, err := p.getItem(ctx, op, id)
	if err != nil {
		return err
	}
	notOwned := &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "the folder holds an item Ferry did not upload", Err: provider.ErrNotOwned}
	for _, ch := range d.Children {
		if ch.IsInTrash {
			continue
		}
		if *seen++; *seen > maxOwnedItems {
			return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: fmt.Sprintf("more than %d items below the folder", maxOwnedItems), Err: provider.ErrNotOwned}
		}
		if ch.IsDirectory {
			if err := p.ownedTree(ctx, op, ch.ID, owned, seen); err != nil {
				return err
			}
			continue
		}
		lvc := ch.LastVersionCache
		if lvc == nil || lvc.FileMetadata == nil || owned == nil || !owned(lvc.FileMetadata.ExternalID) {
			return notOwned
		}
	}
	return nil
}

// forgetTree drops the cached ids of dir and every folder below it.
func (c *folderCache) forgetTree(dir []string) {
	key := strings.Join(dir, "/")
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.ids {
		if k == key || strings.HasPrefix(k, key+"/") {
			delete(c.ids, k)
		}
	}
}

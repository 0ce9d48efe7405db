package quatrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix/api"
)

var _ provider.Mover = (*Provider)(nil)

// maxOwnedItems bounds the listing of a folder checked before a folder
// move; a larger folder is moved file by file instead.
const maxOwnedItems = 10_000

// Move moves a file (by the id Ferry recorded) or a folder (by its path)
// with POST /file/moveone, which moves and renames in one call and keeps
// the id (rclone/rclone@64ab1ac32260 backend/quatrix/quatrix.go:787-848
// Move, :850-899 DirMove). It sends every field as rclone does
// (backend/quatrix/api/types.go:185-192), with resolve=true and no
// resolve_mode, so a name taken at the destination is never overwritten:
// the server picks a free one (Q-ONE-CONFLICT). A folder is moved only
// when every file below it has an id m.Owned accepts (listed with GET
// /file/metadata/{id}?content=1, rclone's listing call :567-595).
func (p *Provider) Move(ctx context.Context, m provider.Move) (provider.Result, error) {
	op := "quatrix move " + strings.Join(append(append([]string(nil), m.FromDir...), m.FromName), "/")
	id, mtime := m.RemoteID, json.Number(formatMtime(m.ModTime))
	if m.Folder {
		fi, err := p.lookup(ctx, api.FileIDParams{Path: strings.Join(append(append([]string(nil), m.FromDir...), m.FromName), "/")})
		if errors.Is(err, errMissing) {
			return provider.Result{}, &provider.Error{Kind: provider.ErrSessionGone, Op: op, Message: "the folder is not on the server", Err: err}
		}
		if err != nil {
			return provider.Result{}, err
		}
		if fi.Type != api.TypeDir {
			return provider.Result{}, &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "the item is not a folder", Err: provider.ErrNotOwned}
		}
		meta, err := p.ownedTree(ctx, op, fi.FileID, m.Owned, new(int))
		if err != nil {
			return provider.Result{}, err
		}
		id, mtime = fi.FileID, meta.ModifiedMS
		if mtime == "" {
			mtime = meta.Modified
		}
	} else if id == "" {
		return provider.Result{}, &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "no remote id was recorded for the file", Err: provider.ErrNotOwned}
	} else if m.ModTime.IsZero() {
		// rclone always sends the mtime; without one, keep the server's.
		var f api.File
		err := p.call(ctx, request{
			op: op, method: http.MethodGet, path: apiRoot + "/file/metadata/" + url.PathEscape(id),
			query: url.Values{"content": {"0"}},
		}, &f)
		if notFound(err) {
			return provider.Result{}, &provider.Error{Kind: provider.ErrSessionGone, Op: op, Message: "the server no longer has the item", Err: err}
		}
		if err != nil {
			return provider.Result{}, err
		}
		if mtime = f.ModifiedMS; mtime == "" {
			mtime = f.Modified
		}
	}
	target, err := p.folders.dirID(ctx, p, m.ToDir)
	if err != nil {
		return provider.Result{}, err
	}
	var out api.File
	err = p.call(ctx, request{
		op: op, method: http.MethodPost, path: apiRoot + "/file/moveone",
		json: api.FileCopyMoveOneParams{ID: id, Target: target, Name: m.ToName, MTime: mtime, Resolve: true, ResolveMode: ""},
	}, &out)
	if notFound(err) {
		return provider.Result{}, &provider.Error{Kind: provider.ErrSessionGone, Op: op, Message: "the server no longer has the item", Err: err}
	}
	if err != nil {
		return provider.Result{}, err
	}
	if m.Folder {
		p.folders.forget(append(append([]string(nil), m.FromDir...), m.FromName))
		p.folders.forgetBelow(append(append([]string(nil), m.FromDir...), m.FromName))
	}
	name := out.Name
	if name == "" {
		name = m.ToName
	}
	return provider.Result{
		RemoteID:   out.ID,
		RemoteName: name,
		RemotePath: strings.Join(append(append([]string(nil), m.ToDir...), name), "/"),
		Size:       out.Size,
	}, nil
}

// ownedTree lists folder id and everything below it, and fails with
// ErrNotOwned unless every file is one owned accepts. It returns the
// folder's own metadata.
func (p *Provider) ownedTree(ctx context.Context, op, id string, owned func(string) bool, seen *int) (*api.File, error) {
	var f api.File
	err := p.call(ctx, request{
		op: op, method: http.MethodGet, path: apiRoot + "/file/metadata/" + url.PathEscape(id),
		query: url.Values{"content": {"1"}},
	}, &f)
	if err != nil {
		return nil, err
	}
	for _, c := range f.Content {
		*seen++
		if *seen > maxOwnedItems {
			return nil, &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: fmt.Sprintf("more than %d items below the folder", maxOwnedItems), Err: provider.ErrNotOwned}
		}
		switch c.Type {
		case api.TypeDir:
			if _, err := p.ownedTree(ctx, op, c.ID, owned, seen); err != nil {
				return nil, err
			}
		default:
			if owned == nil || !owned(c.ID) {
				return nil, &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "the folder holds a file Ferry did not upload", Err: provider.ErrNotOwned}
			}
		}
	}
	return &f, nil
}

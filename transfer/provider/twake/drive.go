package twake

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
	"golang.org/x/sync/singleflight"
)

// folderTimeout bounds one shared folder lookup or creation.
const folderTimeout = 2 * time.Minute

// folderCache maps remote folder paths to Drive item ids for the life of
// the provider. Concurrent uploads into the same new folder create it once:
// lookups of one path share a single flight, and only successes are cached.
type folderCache struct {
	p      *Provider
	flight singleflight.Group
	mu     sync.Mutex
	ids    map[string]string // "a/b" -> Drive id; guarded by mu
}

func newFolderCache(p *Provider) *folderCache {
	return &folderCache{p: p, ids: map[string]string{}}
}

// resolve returns the Drive id of folder dir below the configured root,
// finding or creating each level. An empty dir is the root itself.
func (c *folderCache) resolve(ctx context.Context, dir []string) (string, error) {
	parent := c.p.cfg.DriveRootID
	for i := range dir {
		key := strings.Join(dir[:i+1], "/")
		c.mu.Lock()
		id, ok := c.ids[key]
		c.mu.Unlock()
		if !ok {
			parentID, name := parent, dir[i]
			// The shared lookup must not fail for every waiter because the
			// first caller was cancelled: it runs detached (bounded by a
			// timeout), and each waiter stops waiting on its own context.
			ch := c.flight.DoChan(key, func() (any, error) {
				work, cancel := context.WithTimeout(context.WithoutCancel(ctx), folderTimeout)
				defer cancel()
				id, err := c.p.findOrCreateFolder(work, parentID, name)
				if err == nil {
					c.mu.Lock()
					c.ids[key] = id
					c.mu.Unlock()
				}
				return id, err
			})
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case r := <-ch:
				if r.Err != nil {
					return "", r.Err
				}
				id = r.Val.(string)
			}
		}
		parent = id
	}
	return parent, nil
}

// findOrCreateFolder lists parent and returns the id of its folder child
// called name, creating it when there is none (a folder made by an earlier
// run is reused, not duplicated).
func (p *Provider) findOrCreateFolder(ctx context.Context, parent, name string) (string, error) {
	op := fmt.Sprintf("create folder %q", name)
	d, err := p.getItem(ctx, op, parent)
	if err != nil {
		return "", err
	}
	for _, ch := range d.Children {
		if ch.IsDirectory && !ch.InTrash && ch.Name == name && ch.ID != "" {
			return ch.ID, nil
		}
	}
	var item api.DriveItem
	req := api.DriveItemRequest{
		Item: api.DriveItem{CompanyID: p.cfg.CompanyID, ParentID: parent, Name: name, IsDirectory: true},
	}
	if err := p.postJSON(ctx, op, p.itemsURL(), req, &item); err != nil {
		return "", err
	}
	if item.ID == "" || !item.IsDirectory {
		return "", &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "server did not return a folder item"}
	}
	return item.ID, nil
}

// getItem reads a Drive item with its children. A 404 means the configured
// root or a cached folder is gone, which only the user can fix.
func (p *Provider) getItem(ctx context.Context, op, id string) (api.DriveItemDetails, error) {
	resp, err := p.do(ctx, request{
		op: op + ": list folder", method: http.MethodGet, url: p.itemsURL() + "/" + url.PathEscape(id),
		notFound: provider.ErrPermanent,
	})
	if err != nil {
		return api.DriveItemDetails{}, err
	}
	var d api.DriveItemDetails
	if err := rest.DecodeJSON(op+": list folder", resp, &d); err != nil {
		return api.DriveItemDetails{}, err
	}
	return d, nil
}

// findFileItem looks in Drive folder parent for a file item whose version
// points at files-service entity f (notes §1.6: file_metadata.external_id),
// so a Finish repeated after a lost answer reuses the item its first try
// created instead of adding a second one. Only children of f's size are
// read: a Drive folder listing shows no external ids. found is false when
// there is none.
func (p *Provider) findFileItem(ctx context.Context, parent string, f api.PublicFile) (item api.DriveItem, found bool, err error) {
	op := fmt.Sprintf("find %q in Drive", f.Metadata.Name)
	d, err := p.getItem(ctx, op, parent)
	if err != nil {
		return api.DriveItem{}, false, err
	}
	for _, ch := range d.Children {
		if ch.IsDirectory || ch.InTrash || ch.ID == "" || ch.Size != f.UploadData.Size {
			continue
		}
		det, err := p.getItem(ctx, op, ch.ID)
		if err != nil {
			return api.DriveItem{}, false, err
		}
		for _, v := range det.Versions {
			if v.FileMetadata != nil && v.FileMetadata.ExternalID == f.ID {
				return ch, true, nil
			}
		}
	}
	return api.DriveItem{}, false, nil
}

// createFileItem registers an uploaded file in Drive folder parent
// (notes §1.6) and returns the created item.
func (p *Provider) createFileItem(ctx context.Context, parent string, f api.PublicFile) (api.DriveItem, error) {
	op := fmt.Sprintf("register %q in Drive", f.Metadata.Name)
	empty := ""
	req := api.DriveItemRequest{
		Item: api.DriveItem{
			CompanyID: p.cfg.CompanyID, WorkspaceID: defaultDriveWorkspaceID, ParentID: parent,
			Name: f.Metadata.Name, Size: f.UploadData.Size,
		},
		Version: api.DriveVersion{
			Provider: "internal", ApplicationID: &empty,
			FileMetadata: &api.DriveFileMetadata{
				Name: f.Metadata.Name, Size: f.UploadData.Size, Mime: f.Metadata.Mime,
				Thumbnails: nonNil(f.Thumbnails), Source: "internal", ExternalID: f.ID,
			},
		},
	}
	var item api.DriveItem
	if err := p.postJSON(ctx, op, p.itemsURL(), req, &item); err != nil {
		return api.DriveItem{}, err
	}
	if item.ID == "" || item.Name == "" || item.IsDirectory {
		return api.DriveItem{}, &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "server did not return a file item"}
	}
	return item, nil
}

func nonNil(t []api.Thumbnail) []api.Thumbnail {
	if t == nil {
		return []api.Thumbnail{}
	}
	return t
}

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

// Drive creates are tried at most this many times per call (a folder) or
// per session (a file item): the documents service answers every failure
// of create with the same 500 "Failed to create Drive item" (no access, a
// parent that is a file, its own crash alike; linagora/Twake@39f533e5e838
// twake/backend/node/src/services/documents/web/controllers/documents.ts:
// 65-68), so a permanent failure looks retryable and must not be retried
// for ever.
const maxCreateAttempts = 3

// Reads of a Drive folder are retried this many times on a retryable
// failure before the operation that needed them fails.
const getAttempts = 3

// findOrCreateFolder lists parent and returns the id of its folder child
// called name, creating it when there is none (a folder made by an earlier
// run is reused, not duplicated). A create answered with a 5xx or lost is
// checked by listing again: the item may exist.
func (p *Provider) findOrCreateFolder(ctx context.Context, parent, name string) (string, error) {
	op := fmt.Sprintf("create folder %q", name)
	var lastErr error
	for attempt := 1; attempt <= maxCreateAttempts; attempt++ {
		d, err := p.getItem(ctx, op, parent)
		if err != nil {
			return "", err
		}
		for _, ch := range d.Children {
			if ch.IsDirectory && !ch.IsInTrash && ch.Name == name && ch.ID != "" {
				return ch.ID, nil
			}
		}
		if err := writable(op, parent, d); err != nil {
			return "", err
		}
		var item api.DriveItem
		req := api.DriveItemRequest{
			Item: api.DriveItem{CompanyID: p.cfg.CompanyID, ParentID: parent, Name: name, IsDirectory: true},
		}
		err = p.postJSON(ctx, op, p.itemsURL(), req, &item)
		if err == nil {
			if item.ID == "" || !item.IsDirectory {
				return "", &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "server did not return a folder item"}
			}
			return item.ID, nil
		}
		if kind, _ := provider.Classify(err); kind != provider.ErrRetryable || ctx.Err() != nil {
			return "", err
		}
		lastErr = err
	}
	return "", createGaveUp(op, parent, lastErr)
}

// writable refuses early when the listing says the caller may only read
// the folder: create would fail with its catch-all 500.
func writable(op, folder string, d api.DriveItemDetails) error {
	switch d.Access {
	case "read", "none":
		return &provider.Error{Kind: provider.ErrAuth, Op: op, Message: fmt.Sprintf(
			"this user may only %s Twake Drive folder %q; choose a folder the user can write to, or ask for write access",
			map[string]string{"read": "read", "none": "see"}[d.Access], folder)}
	}
	return nil
}

// createGaveUp is the error after maxCreateAttempts failed creates.
func createGaveUp(op, parent string, last error) error {
	return &provider.Error{
		Kind: provider.ErrPermanent, Op: op, Err: last,
		Message: fmt.Sprintf("Twake Drive failed %d times to create the item in folder %q; it answers 500 for "+
			"any failure (no write access, a parent that is not a folder, a server fault): check the folder "+
			"in Twake Drive and the target's Drive root, then retry the upload", maxCreateAttempts, parent),
	}
}

// getItem reads a Drive item with its children, retrying a retryable
// failure getAttempts times. A 404 means the configured root or a cached
// folder is gone, which only the user can fix. The documents routes
// authenticate optionally: a bad token is no user, and the answer is a
// 401 "no access" (documents web/routes.ts, services/index.ts:115-125).
func (p *Provider) getItem(ctx context.Context, op, id string) (api.DriveItemDetails, error) {
	wait := cleanupBackoff
	for attempt := 1; ; attempt++ {
		d, err := p.getItemOnce(ctx, op, id)
		kind, _ := provider.Classify(err)
		if err == nil || kind != provider.ErrRetryable || attempt == getAttempts || ctx.Err() != nil {
			return d, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return d, err
		case <-t.C:
		}
		wait *= 2
	}
}

func (p *Provider) getItemOnce(ctx context.Context, op, id string) (api.DriveItemDetails, error) {
	resp, err := p.do(ctx, request{
		op: op + ": list folder", method: http.MethodGet, url: p.itemsURL() + "/" + url.PathEscape(id),
		notFound: provider.ErrPermanent, driveFolder: id,
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
// points at files-service entity f (file_metadata.external_id), so a
// Finish repeated after a lost answer reuses the item its first try
// created instead of adding a second one. The listing carries every
// child's last_version_cache (a DriveFile column the get route serialises
// whole), so one read suffices; only a child without one (a server that
// leaves it out) of f's size is read on its own. found is false when
// there is none.
// access is the caller's level on parent, as the listing says.
func (p *Provider) findFileItem(ctx context.Context, parent string, f api.PublicFile) (item api.DriveItem, found bool, access string, err error) {
	op := fmt.Sprintf("find %q in Drive", f.Metadata.Name)
	d, err := p.getItem(ctx, op, parent)
	if err != nil {
		return api.DriveItem{}, false, "", err
	}
	var unknown []api.DriveItem
	for _, ch := range d.Children {
		if ch.IsDirectory || ch.IsInTrash || ch.ID == "" {
			continue
		}
		if lvc := ch.LastVersionCache; lvc != nil && lvc.FileMetadata != nil {
			if lvc.FileMetadata.ExternalID == f.ID {
				return ch, true, d.Access, nil
			}
			continue
		}
		if ch.Size == f.UploadData.Size {
			unknown = append(unknown, ch)
		}
	}
	for _, ch := range unknown {
		det, err := p.getItem(ctx, op, ch.ID)
		if err != nil {
			return api.DriveItem{}, false, "", err
		}
		for _, v := range det.Versions {
			if v.FileMetadata != nil && v.FileMetadata.ExternalID == f.ID {
				return ch, true, d.Access, nil
			}
		}
	}
	return api.DriveItem{}, false, d.Access, nil
}

// createFileItem registers an uploaded file in Drive folder parent and
// returns the created item. slow: the server will wait for the file's
// preview before it answers (see waitForPreview), so the answer may take
// up to driveCreateTimeout.
func (p *Provider) createFileItem(ctx context.Context, parent string, f api.PublicFile, slow bool) (api.DriveItem, error) {
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
	post := p.postJSON
	if slow {
		post = p.postJSONSlow
	}
	if err := post(ctx, op, p.itemsURL(), req, &item); err != nil {
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

package quatrix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix/api"
)

// folderTimeout bounds one shared folder resolution. It runs detached from
// the first caller's context, so that caller's cancellation does not fail
// the others waiting on the same folder.
const folderTimeout = 2 * time.Minute

// folders resolves remote folder paths to ids, creating missing levels, and
// caches the answers for the life of the Provider. Concurrent uploads into
// the same new folder share one lookup and one creation.
type folders struct {
	group singleflight.Group

	mu   sync.Mutex // guards the fields below
	prof *api.Profile
	ids  map[string]string // "a/b/c" (segments below home) -> folder id
}

func newFolders() *folders { return &folders{ids: map[string]string{}} }

// profile returns GET /profile, cached after the first success.
func (f *folders) profile(ctx context.Context, p *Provider) (*api.Profile, error) {
	f.mu.Lock()
	prof := f.prof
	f.mu.Unlock()
	if prof != nil {
		return prof, nil
	}
	v, err := f.shared(ctx, "\x00profile", func(ctx context.Context) (any, error) {
		return f.fetchProfile(ctx, p)
	})
	if err != nil {
		return nil, err
	}
	return v.(*api.Profile), nil
}

// fetchProfile reads GET /profile and caches it.
func (f *folders) fetchProfile(ctx context.Context, p *Provider) (*api.Profile, error) {
	var out api.Profile
	if err := p.call(ctx, request{op: "quatrix profile", method: http.MethodGet, path: apiRoot + "/profile"}, &out); err != nil {
		return nil, err
	}
	if out.HomeID == "" {
		return nil, &provider.Error{Kind: provider.ErrPermanent, Op: "quatrix profile", Message: "the profile has no home_id"}
	}
	f.mu.Lock()
	f.prof = &out
	f.mu.Unlock()
	return &out, nil
}

// dirID returns the id of the folder dir (segments below home), creating
// each missing level with /file/makedir. It returns an error wrapping
// provider.ErrConflict when a file (or the trash) is in the way of a level.
func (f *folders) dirID(ctx context.Context, p *Provider, dir []string) (string, error) {
	prof, err := f.profile(ctx, p)
	if err != nil {
		return "", err
	}
	parent := prof.HomeID
	for i, name := range dir {
		key := strings.Join(dir[:i+1], "/")
		f.mu.Lock()
		id, ok := f.ids[key]
		f.mu.Unlock()
		if !ok {
			parentID := parent
			v, err := f.shared(ctx, key, func(ctx context.Context) (any, error) {
				return p.ensureDir(ctx, parentID, name, key)
			})
			if err != nil {
				return "", err
			}
			id = v.(string)
			f.mu.Lock()
			f.ids[key] = id
			f.mu.Unlock()
		}
		parent = id
	}
	return parent, nil
}

// toResolve is the first level of dir whose id is not cached yet ("a/b"),
// "" when every level is: the folder an upload into dir looks up (and
// makes if missing) before it can begin, sharing that work with every
// other upload into it.
func (f *folders) toResolve(dir []string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range dir {
		if key := strings.Join(dir[:i+1], "/"); f.ids[key] == "" {
			return key
		}
	}
	return ""
}

// FolderToMake is provider.FolderMaker: uploads into a folder whose id is
// not known yet wait for its lookup and creation (/file/id, /file/makedir),
// shared by all of them; the engine gives the other slots other folders'
// files meanwhile.
func (p *Provider) FolderToMake(dir []string) string { return p.folders.toResolve(dir) }

// forget drops cached ids of dir and its parents after the server said one
// of them no longer exists.
func (f *folders) forget(dir []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range dir {
		delete(f.ids, strings.Join(dir[:i+1], "/"))
	}
}

// shared runs fn once for all concurrent callers with the same key. fn gets
// a context detached from any one caller (bounded by folderTimeout); each
// caller still returns early when its own ctx ends.
func (f *folders) shared(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	ch := f.group.DoChan(key, func() (any, error) {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), folderTimeout)
		defer cancel()
		return fn(wctx)
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		return r.Val, r.Err
	}
}

// ensureDir finds the folder name in parent or creates it. It creates with
// resolve=false so a concurrent creation by someone else is reported (code
// 30) instead of making "name(1)"; the lost race then re-queries.
func (p *Provider) ensureDir(ctx context.Context, parent, name, path string) (string, error) {
	id, err := p.lookupDir(ctx, parent, name, path)
	if err == nil || !errors.Is(err, errMissing) {
		return id, err
	}
	var out api.File
	err = p.call(ctx, request{
		op: "quatrix makedir " + path, method: http.MethodPost, path: apiRoot + "/file/makedir",
		json: api.MakeDirParams{Target: parent, Name: name, Resolve: false},
		ok:   []int{http.StatusCreated, http.StatusOK},
	}, &out)
	switch {
	case err == nil:
		if out.ID == "" {
			return "", &provider.Error{Kind: provider.ErrPermanent, Op: "quatrix makedir " + path, Message: "the server returned no folder id"}
		}
		return out.ID, nil
	case errors.Is(err, provider.ErrConflict):
		// Someone else created it between our lookup and makedir.
		id, err := p.lookupDir(ctx, parent, name, path)
		if errors.Is(err, errMissing) {
			return "", fmt.Errorf("quatrix makedir %s: the server says the name exists but it cannot be found: %w", path, provider.ErrConflict)
		}
		return id, err
	}
	return "", err
}

// errMissing marks a lookup that found nothing (HTTP 404 from /file/id).
var errMissing = errors.New("not found")

// lookupDir resolves name in parent with /file/id. It returns errMissing
// when absent and an error wrapping provider.ErrConflict when the name is
// taken by something that is not a folder.
func (p *Provider) lookupDir(ctx context.Context, parent, name, path string) (string, error) {
	fi, err := p.lookup(ctx, api.FileIDParams{ParentID: parent, Path: name})
	if err != nil {
		return "", err
	}
	switch fi.Type {
	case api.TypeDir, api.TypeShared:
		return fi.FileID, nil
	}
	return "", &provider.Error{
		Kind: provider.ErrConflict, Op: "quatrix resolve folder " + path,
		Message: fmt.Sprintf("an item of type %q is in the way of the folder", fi.Type),
	}
}

// lookup calls POST /file/id. It returns errMissing (wrapped) on 404.
func (p *Provider) lookup(ctx context.Context, params api.FileIDParams) (*api.FileID, error) {
	op := "quatrix lookup " + params.Path
	var out api.FileID
	err := p.call(ctx, request{op: op, method: http.MethodPost, path: apiRoot + "/file/id", json: params}, &out)
	if notFound(err) {
		return nil, fmt.Errorf("%s: %w", op, errMissing)
	}
	if err != nil {
		return nil, err
	}
	if out.FileID == "" {
		// rclone treats an empty id like a 404; so do we.
		return nil, fmt.Errorf("%s: %w", op, errMissing)
	}
	return &out, nil
}

// forgetBelow drops the cached ids of every folder below dir (after dir
// was moved away).
func (f *folders) forgetBelow(dir []string) {
	prefix := strings.Join(dir, "/") + "/"
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.ids {
		if strings.HasPrefix(k, prefix) {
			delete(f.ids, k)
		}
	}
}

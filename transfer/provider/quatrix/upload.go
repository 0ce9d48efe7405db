package quatrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix/api"
)

// Begin resolves (and creates) u.Dir, applies the conflict policy and opens
// an upload key:
//   - rename: /upload/link with resolve=true; the server picks "name(1).ext".
//   - skip: /file/id on the full path; an existing item is an error wrapping
//     provider.ErrConflict, otherwise /upload/link with resolve=false.
//   - overwrite: /file/id on the full path; an existing file is reopened with
//     /file/modify (truncate 0, same file id), otherwise a plain create with
//     resolve=false. A folder in the way is a conflict.
//
// An empty policy means rename. When the cached folder id turned stale (the
// server says the parent does not exist), Begin forgets it and tries once more.
func (p *Provider) Begin(ctx context.Context, u provider.Upload) (provider.Session, error) {
	if u.Name == "" || u.Size < 0 {
		return nil, &provider.Error{Kind: provider.ErrPermanent, Op: "quatrix begin", Message: "upload needs a name and a size >= 0"}
	}
	prof, err := p.folders.profile(ctx, p)
	if err != nil {
		return nil, err
	}
	if prof.MaxFileSize > 0 && u.Size > prof.MaxFileSize {
		return nil, &provider.Error{
			Kind: provider.ErrTooLarge, Op: "quatrix begin " + u.Name,
			Message: fmt.Sprintf("%d bytes exceed the account's maximum file size of %d", u.Size, prof.MaxFileSize),
		}
	}
	release := p.auth.hold()
	st, err := p.open(ctx, u)
	if notFound(err) {
		p.folders.forget(u.Dir)
		st, err = p.open(ctx, u)
	}
	if err != nil {
		release()
		return nil, err
	}
	return &session{p: p, u: u, st: st, release: release}, nil
}

// open runs the folder resolution and the conflict policy once.
func (p *Provider) open(ctx context.Context, u provider.Upload) (state, error) {
	dirID, err := p.folders.dirID(ctx, p, u.Dir)
	if err != nil {
		return state{}, err
	}
	switch u.Conflict {
	case provider.ConflictRename, "":
		return p.link(ctx, dirID, u, true)
	case provider.ConflictSkip:
		existing, err := p.existing(ctx, u)
		if err != nil {
			return state{}, err
		}
		if existing != nil {
			return state{}, &provider.Error{
				Kind: provider.ErrConflict, Op: "quatrix begin " + fullPath(u),
				Message: "the remote name exists and the policy is skip",
			}
		}
		return p.link(ctx, dirID, u, false)
	case provider.ConflictOverwrite:
		existing, err := p.existing(ctx, u)
		if err != nil {
			return state{}, err
		}
		if existing == nil {
			st, err := p.link(ctx, dirID, u, false)
			if !errors.Is(err, provider.ErrConflict) {
				return st, err
			}
			// Created by someone else since our lookup: overwrite that one.
			if existing, err = p.existing(ctx, u); err != nil {
				return state{}, err
			}
			if existing == nil {
				return state{}, fmt.Errorf("quatrix begin %s: the name exists but cannot be found: %w", fullPath(u), provider.ErrConflict)
			}
		}
		if existing.Type != api.TypeFile {
			return state{}, &provider.Error{
				Kind: provider.ErrConflict, Op: "quatrix begin " + fullPath(u),
				Message: fmt.Sprintf("an item of type %q is in the way; only files can be overwritten", existing.Type),
			}
		}
		return p.modify(ctx, existing.FileID, u)
	}
	return state{}, &provider.Error{
		Kind: provider.ErrPermanent, Op: "quatrix begin",
		Message: fmt.Sprintf("unknown conflict policy %q", u.Conflict),
	}
}

// existing looks the file's full path up relative to home; nil means absent.
func (p *Provider) existing(ctx context.Context, u provider.Upload) (*api.FileID, error) {
	fi, err := p.lookup(ctx, api.FileIDParams{Path: fullPath(u)})
	if errors.Is(err, errMissing) {
		return nil, nil
	}
	return fi, err
}

func fullPath(u provider.Upload) string {
	return strings.Join(append(append([]string(nil), u.Dir...), u.Name), "/")
}

// link creates the placeholder and its upload key with /upload/link.
func (p *Provider) link(ctx context.Context, dirID string, u provider.Upload, resolve bool) (state, error) {
	size := u.Size
	var out api.UploadLink
	err := p.call(ctx, request{
		op: "quatrix upload link " + fullPath(u), method: http.MethodPost, path: apiRoot + "/upload/link",
		json: api.UploadLinkParams{Name: u.Name, ParentID: dirID, Resolve: resolve, FileSize: &size},
	}, &out)
	if err != nil {
		return state{}, err
	}
	if err := checkLink("quatrix upload link", out); err != nil {
		return state{}, err
	}
	return state{
		Version: stateVersion, UploadKey: out.UploadKey, FileID: out.FileID, ParentID: out.ParentID,
		Name: out.Name, Placeholder: true, Size: u.Size,
	}, nil
}

// modify reopens an existing file for writing with /file/modify, truncate 0.
func (p *Provider) modify(ctx context.Context, fileID string, u provider.Upload) (state, error) {
	var out api.UploadLink
	err := p.call(ctx, request{
		op: "quatrix modify " + fullPath(u), method: http.MethodPost, path: apiRoot + "/file/modify",
		json: api.FileModifyParams{ID: fileID, Truncate: 0},
	}, &out)
	if err != nil {
		return state{}, err
	}
	if err := checkLink("quatrix modify", out); err != nil {
		return state{}, err
	}
	if out.FileID != fileID {
		return state{}, &provider.Error{
			Kind: provider.ErrPermanent, Op: "quatrix modify " + fullPath(u),
			Message: "the server answered with another file id than the one modified",
		}
	}
	if out.Name == "" {
		out.Name = u.Name
	}
	return state{
		Version: stateVersion, UploadKey: out.UploadKey, FileID: out.FileID, ParentID: out.ParentID,
		Name: out.Name, Placeholder: false, Size: u.Size,
	}, nil
}

func checkLink(op string, l api.UploadLink) error {
	if l.UploadKey == "" || l.FileID == "" {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "the server returned no upload key or file id"}
	}
	return nil
}

// Resume cannot continue a Quatrix upload: no endpoint reports how many
// bytes a key received. It deletes the placeholder the old session created
// (never the file an overwrite reopened) and returns an error wrapping
// provider.ErrSessionGone. When the deletion itself fails for another
// reason than "already gone", that error is returned instead, so the
// engine retries Resume rather than leaving a leftover behind.
func (p *Provider) Resume(ctx context.Context, _ provider.Upload, raw []byte) (provider.Session, error) {
	var st state
	if err := json.Unmarshal(raw, &st); err != nil || st.Version != stateVersion {
		return nil, &provider.Error{Kind: provider.ErrSessionGone, Op: "quatrix resume", Message: "unreadable session state"}
	}
	if st.Placeholder {
		if err := p.deletePlaceholder(ctx, st.FileID); err != nil {
			return nil, err
		}
	}
	return nil, &provider.Error{
		Kind: provider.ErrSessionGone, Op: "quatrix resume",
		Message: "quatrix uploads cannot be resumed; starting the file again",
	}
}

// cleanupAttempts bounds the tries of a placeholder deletion: the engine
// restarts the file right after a lost session and may never call Abort,
// so a transient failure of this one request would leave a leftover.
const cleanupAttempts = 3

// deletePlaceholder is deleteFile retried on transient failures (after
// the server's Retry-After, at most 2s, else 200ms, 400ms), bounded by
// cleanupAttempts and ctx.
func (p *Provider) deletePlaceholder(ctx context.Context, id string) error {
	var err error
	for attempt := range cleanupAttempts {
		if err = p.deleteFile(ctx, id); err == nil || !provider.IsRetryable(err) || attempt == cleanupAttempts-1 {
			return err
		}
		_, wait := provider.Classify(err)
		wait = min(max(wait, time.Duration(200<<attempt)*time.Millisecond), 2*time.Second)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
	return err
}

// deleteFile removes a placeholder permanently (it never held user data, so
// it should not fill the trash). A file already gone counts as deleted.
func (p *Provider) deleteFile(ctx context.Context, id string) error {
	op := "quatrix delete placeholder"
	var out api.Delete
	err := p.call(ctx, request{
		op: op, method: http.MethodPost, path: apiRoot + "/file/delete",
		json: api.DeleteParams{IDs: []string{id}, DeletePermanently: true},
		ok:   []int{http.StatusOK, http.StatusAccepted},
	}, &out)
	if notFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if out.JobID == "" && !containsID(out.IDs, id) {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "the server did not confirm the deletion"}
	}
	return nil
}

func containsID(ids []string, id string) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

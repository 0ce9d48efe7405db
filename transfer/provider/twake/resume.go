package twake

import (
	"context"
	"errors"
	"fmt"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// Resume reattaches to a file entity from a persisted State. The engine
// then sends only the chunks it has not seen acknowledged; the server keeps
// every chunk it stored, so nothing else is needed.
//
// It returns an error wrapping ErrSessionGone, after deleting the old
// entity on a best-effort basis, when the state cannot be read, was made for
// another plan (size, chunk size, name, company or folder mode changed), or
// the server no longer knows the file (404) or recorded another plan for
// it. A Twake server answers 500 for an unknown id: that stays a retryable
// error because it cannot be told from a server failure.
//
// A resumed session takes over the entity's pending record (creating it
// if missing; an ErrPermanent error when it cannot be written) and deletes
// the unfinished entities dead runs recorded for the same remote path.
func (p *Provider) Resume(ctx context.Context, u provider.Upload, raw []byte) (provider.Session, error) {
	if err := p.checkUpload(u); err != nil {
		return nil, err
	}
	st, err := decodeState(raw)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrSessionGone, Op: "resume", Err: err}
	}
	if st.Company != p.cfg.CompanyID {
		// The entity belongs to another company: not ours to delete.
		return nil, &provider.Error{
			Kind: provider.ErrSessionGone, Op: "resume",
			Message: "session was started for another company",
		}
	}
	// Until this resume succeeds the engine may give up on the entity and
	// begin anew: its record must then be free for that Begin's sweep.
	p.pending.idle(st.FileID)
	if why := p.planMismatch(u, st); why != "" {
		return nil, p.dropSession(ctx, st, why)
	}
	f, err := p.getFile(ctx, "resume", st.FileID)
	if err != nil {
		return nil, err
	}
	switch {
	case f.UploadData != nil && (f.UploadData.Size != st.Size || f.UploadData.Chunks != st.Chunks):
		return nil, p.dropSession(ctx, st, fmt.Sprintf("server recorded %d bytes in %d chunks for the file",
			f.UploadData.Size, f.UploadData.Chunks))
	case f.UploadData == nil && st.Acked.count() > 0:
		return nil, p.dropSession(ctx, st, "server lost the chunks acknowledged earlier")
	}
	key := uploadKey(u)
	if err := p.pending.adopt(st.FileID, key); err != nil {
		return nil, &provider.Error{Kind: provider.ErrPermanent, Op: "resume", Err: err}
	}
	// Entities recorded for this path by dead runs, other than this one,
	// are referenced by nothing: the engine keeps one session per path.
	p.pending.sweep(ctx, key, st.FileID, p.sweepDelete)
	return &session{p: p, u: u, st: st, mayBeRegistered: true}, nil
}

// planMismatch says why st cannot continue upload u, or "" when it can.
func (p *Provider) planMismatch(u provider.Upload, st state) string {
	switch {
	case st.Size != u.Size || st.ChunkSize != u.ChunkSize || st.Chunks != u.Chunks():
		return fmt.Sprintf("plan changed: state has %d bytes in %d-byte chunks, upload has %d in %d",
			st.Size, st.ChunkSize, u.Size, u.ChunkSize)
	case st.Name != p.remoteName(u):
		return "remote name changed"
	case p.cfg.DriveFolders != (st.Parent != ""):
		return "Drive folder setting changed"
	}
	return ""
}

// dropSession deletes the old entity (best effort: a failure leaves an
// orphan the user cannot see in Drive, which is harmless) and returns the
// ErrSessionGone error that makes the engine start over.
func (p *Provider) dropSession(ctx context.Context, st state, why string) error {
	if err := p.deleteForCleanup(ctx, "resume", st.FileID); err != nil && !errors.Is(err, provider.ErrSessionGone) {
		// The record stays (not live): the next upload of the path retries.
		why += "; deleting the old file failed: " + err.Error()
	} else if err := p.pending.release(st.FileID); err != nil {
		why += "; " + err.Error()
	}
	return &provider.Error{Kind: provider.ErrSessionGone, Op: "resume", Message: why}
}

package twake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sync"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
)

// session is one file's upload. PutChunk may run concurrently for
// different chunks; mu guards st.Acked (the only field that changes).
type session struct {
	p  *Provider
	u  provider.Upload
	mu sync.Mutex
	st state
	// mayBeRegistered: a Drive item for the file may exist already, because
	// the session was resumed (an earlier run may have registered it before
	// losing the answer) or this session's own registration was tried.
	// Only Finish touches it; the engine calls Finish from one goroutine.
	mayBeRegistered bool
	// createAttempts counts the Drive creates of this session and
	// lastCreateErr keeps the last one's failure (register); only Finish
	// touches them.
	createAttempts int
	lastCreateErr  error
	// answered is the file as the last chunk answer of this session showed
	// it (guarded by mu), nil in a resumed session until a chunk is sent.
	answered *api.PublicFile
}

// State returns the session state with the chunks acknowledged so far.
func (s *session) State() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(s.st)
	if err != nil {
		// state holds only strings, integers and a byte slice, which
		// always marshal; a failure here is a programming error.
		panic(fmt.Sprintf("twake: marshal session state: %v", err))
	}
	return b
}

// PutChunk sends chunk c as chunk_number c.Index+1. Re-sending a chunk
// overwrites it on the server, so a repeat is harmless. The answer must show
// the plan's size and chunk count: the first chunk to arrive fixes them on
// the server, and a file fixed to another plan could never download
// correctly, so a mismatch deletes the entity and wraps ErrSessionGone.
func (s *session) PutChunk(ctx context.Context, c provider.Chunk, body io.ReadSeeker) error {
	op := fmt.Sprintf("put chunk %d", c.Index+1)
	want := s.u.Chunk(c.Index)
	if c.Index < 0 || c.Index >= s.st.Chunks || c.Total != s.st.Chunks || c.Size != want.Size || c.Offset != want.Offset {
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op,
			Message: fmt.Sprintf("chunk %+v is not in the session's plan of %d chunks", c, s.st.Chunks),
		}
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "rewind chunk", Err: err}
	}
	f, err := s.p.postChunk(ctx, op, s.st, c, body)
	if err != nil {
		return err
	}
	if err := s.matchPlan(op, f); err != nil {
		if !errors.Is(err, provider.ErrSessionGone) {
			return err
		}
		// The entity is useless; removing it is best effort and its
		// failure changes nothing for the engine, which restarts the file
		// (the record stays, so a later sweep retries the delete).
		if derr := s.p.deleteForCleanup(ctx, op, s.st.FileID); derr == nil || errors.Is(derr, provider.ErrSessionGone) {
			_ = s.p.pending.release(s.st.FileID) // a stale record only costs one more delete later
		}
		return err
	}
	s.mu.Lock()
	s.st.Acked.set(c.Index)
	s.answered = &f
	s.mu.Unlock()
	return nil
}

// matchPlan checks a chunk answer against the session's plan.
func (s *session) matchPlan(op string, f api.PublicFile) error {
	if f.ID != s.st.FileID {
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: op,
			Message: fmt.Sprintf("server answered for file %q, sent to %q", f.ID, s.st.FileID),
		}
	}
	if f.UploadData == nil || f.Metadata == nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "server did not record the chunk's upload data"}
	}
	if f.UploadData.Size != s.st.Size || f.UploadData.Chunks != s.st.Chunks || f.Metadata.Name != s.st.Name {
		return &provider.Error{Kind: provider.ErrSessionGone, Op: op, Message: fmt.Sprintf(
			"server fixed the file to %q, %d bytes in %d chunks; this upload is %q, %d bytes in %d chunks",
			f.Metadata.Name, f.UploadData.Size, f.UploadData.Chunks, s.st.Name, s.st.Size, s.st.Chunks)}
	}
	return nil
}

// Finish verifies the server's view of the file: every chunk acknowledged,
// and upload_data.size and upload_data.chunks equal to what was sent (the
// real server has no completion call and serves a silently truncated file
// when a chunk is missing). Any mismatch is an ErrPermanent error. With
// Drive folders it then registers the file as a Drive item in its folder.
// Finish is idempotent: when a Drive item may exist already (a resumed
// session, or a repeated Finish after a lost answer) it looks for the item
// pointing at this file and reuses it instead of creating a second one.
// Last, it removes the session's pending record; failing that is a
// retryable error, since a record left behind would let a later upload of
// the same path delete this finished file. Without Drive folders the
// record stays until the engine has recorded the upload as done
// (Result.Recorded): a session that saved nothing (BeginNeedsNoSave) has
// only the record to tell a restart that this entity exists, and a process
// killed between Finish and the queue's commit left a second copy, never
// announced, when the record went first. A restart now finds the record,
// deletes the entity and uploads the file again: one copy. With Drive
// folders the record goes here, as before: a Drive item already points at
// the entity, and deleting it would leave the item dangling; the engine
// saves the session before Finish instead (Capabilities.SaveBeforeFinish),
// so a restart resumes and finds the item.
func (s *session) Finish(ctx context.Context) (provider.Result, error) {
	s.mu.Lock()
	missing := s.st.Acked.missing(s.st.Chunks, 10)
	answered := s.answered
	s.mu.Unlock()
	if len(missing) > 0 {
		return provider.Result{}, &provider.Error{
			Kind: provider.ErrPermanent, Op: "finish",
			Message: fmt.Sprintf("chunks %v (and maybe more) were never acknowledged", missing),
		}
	}
	// A chunk answer is the file entity with its upload data (the declared
	// size and chunk count, which matchPlan checked) and name: the same a
	// read of the file gives, so a session that sent a chunk itself needs
	// no read. A resumed session that sent none reads the file.
	var f api.PublicFile
	if answered != nil {
		f = *answered
	} else {
		var err error
		if f, err = s.p.getFile(ctx, "finish", s.st.FileID); err != nil {
			return provider.Result{}, err
		}
	}
	if f.UploadData == nil || f.Metadata == nil {
		return provider.Result{}, &provider.Error{
			Kind: provider.ErrPermanent, Op: "finish",
			Message: "server has no upload data for the file after all chunks were acknowledged",
		}
	}
	if f.UploadData.Size != s.st.Size || f.UploadData.Chunks != s.st.Chunks {
		return provider.Result{}, &provider.Error{Kind: provider.ErrPermanent, Op: "finish", Message: fmt.Sprintf(
			"server reports %d bytes in %d chunks, sent %d bytes in %d chunks",
			f.UploadData.Size, f.UploadData.Chunks, s.st.Size, s.st.Chunks)}
	}
	res := provider.Result{
		RemoteID:   f.ID,
		RemoteName: f.Metadata.Name,
		RemotePath: path.Join(append(append([]string(nil), s.u.Dir...), f.Metadata.Name)...),
		Link:       s.p.downloadURL(f.ID),
		Size:       f.UploadData.Size,
	}
	if !s.p.cfg.DriveFolders {
		res.RemotePath = f.Metadata.Name
		id := s.st.FileID
		res.Recorded = func() {
			// Best effort: a record left behind (a failed remove) costs a
			// later upload of the same path the deletion of this copy,
			// which that upload replaces.
			_ = s.p.pending.release(id)
		}
		return res, nil
	}
	item, err := s.register(ctx, f)
	if err != nil {
		return provider.Result{}, err
	}
	res.RemoteName = item.Name
	res.RemotePath = path.Join(append(append([]string(nil), s.u.Dir...), item.Name)...)
	if err := s.release("finish"); err != nil {
		return provider.Result{}, err
	}
	return res, nil
}

// register returns the Drive item of the uploaded file f, creating it
// unless an earlier try already did. Before each create it records that
// an item may now exist (mayBeRegistered), so any later try looks for it
// first; a create answered with a 5xx or lost is followed by a look at
// once, and at most maxCreateAttempts creates are made in the session
// (the server answers 500 for permanent failures too). A create runs
// detached from ctx (see startCreate): when it outlasts one Finish, the
// next Finish waits for the same request instead of sending a second.
func (s *session) register(ctx context.Context, f api.PublicFile) (api.DriveItem, error) {
	op := fmt.Sprintf("register %q in Drive", f.Metadata.Name)
	c := s.p.creating(f.ID)
	if c == nil && s.mayBeRegistered {
		item, found, _, err := s.p.findFileItem(ctx, s.st.Parent, f)
		if err != nil || found {
			return item, err
		}
	}
	for {
		if c == nil {
			if s.createAttempts >= maxCreateAttempts {
				return api.DriveItem{}, createGaveUp(op, s.st.Parent, s.lastCreateErr)
			}
			// From here on an answer may be lost after the server created
			// the item.
			s.mayBeRegistered = true
			s.createAttempts++
			c = s.p.startCreate(ctx, s.st.Parent, f, slowCreate(f))
		}
		item, finished, err := s.p.awaitCreate(ctx, op, c)
		if !finished {
			return api.DriveItem{}, err
		}
		c = nil
		if err == nil {
			return item, nil
		}
		if kind, _ := provider.Classify(err); kind != provider.ErrRetryable || ctx.Err() != nil {
			return api.DriveItem{}, err
		}
		s.lastCreateErr = err
		item, found, access, ferr := s.p.findFileItem(ctx, s.st.Parent, f)
		switch {
		case ferr != nil:
			return api.DriveItem{}, ferr // a 401 here names the real cause of the 500
		case found:
			return item, nil
		}
		if werr := writable(op, s.st.Parent, api.DriveItemDetails{Access: access}); werr != nil {
			return api.DriveItem{}, werr
		}
		var pe *provider.Error
		if !errors.As(err, &pe) || pe.Status == 0 {
			// A lost answer, not found yet: the server may still be
			// working on it. Let the engine come back later; the next
			// try looks first.
			return api.DriveItem{}, err
		}
	}
}

// release removes the session's pending record once the entity is
// finished or deleted.
func (s *session) release(op string) error {
	if err := s.p.pending.release(s.st.FileID); err != nil {
		return &provider.Error{Kind: provider.ErrRetryable, Op: op, Err: err}
	}
	return nil
}

// Abort deletes the file entity this session created. A file the server
// no longer knows counts as deleted. Nothing else exists yet: the Drive
// item is only created by Finish.
func (s *session) Abort(ctx context.Context) error {
	// Before the first chunk the real server answers the DELETE with a 500
	// after removing the entity; deleteForCleanup confirms with a second
	// DELETE (404: gone), so this is no failure.
	err := s.p.deleteForCleanup(ctx, "abort", s.st.FileID)
	if err != nil && !errors.Is(err, provider.ErrSessionGone) {
		// The record stays, no longer live: the next upload of this path
		// retries the delete.
		s.p.pending.idle(s.st.FileID)
		return err
	}
	return s.release("abort")
}

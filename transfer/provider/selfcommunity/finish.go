package selfcommunity

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
)

// complete stores the file once every part is acknowledged: the done call
// (unless its answer is recorded), then, when messages are configured, the
// thumbnail the message will name. It runs inside the last PutChunk, so
// the state the engine saves after that part records the stored file and
// its thumbnail (see the package comment, "Messages"); Finish runs it
// again only if it never completed. Caller holds s.send.
func (s *session) complete(ctx context.Context) error {
	st := s.snapshot()
	if st.Done == nil {
		// done makes the parts a file: the engine first confirms the local
		// file is still the version they were read from (a rewrite while
		// the last part was read would otherwise be stored as a mix).
		if err := provider.Unchanged(ctx); err != nil {
			return err
		}
		res, err := s.finalize(ctx, st)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.st.Done = &doneRec{FileUUID: st.UUID, FileURL: res.FileURL}
		s.mu.Unlock()
	}
	if !s.p.messaging() || st.Thumb != "" || st.NoThumb {
		return nil
	}
	thumb, err := s.uploadThumbnail(ctx, st.UUID)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err == nil:
		s.st.Thumb = thumb
		s.preview = nil // no longer needed
	case errors.Is(err, provider.ErrPermanent):
		// The server refuses the thumbnail: the file is stored and the
		// message can still name the file's own uuid, which the document
		// allows ("The private message file id").
		s.st.NoThumb = true
		s.preview = nil
	default:
		return err
	}
	return nil
}

// Finish sends the private messages when the target has recipients or a
// group (the file itself was stored by the last PutChunk; Finish stores it
// if that did not complete). It is safe to repeat after a failure: done,
// the thumbnail and every message that went out are not sent again (see
// sendMessages).
//
// Result.RemoteID is the file uuid, RemoteName the stored name as file_url
// shows it (the name sent when done's answer was lost), Link the file_url.
func (s *session) Finish(ctx context.Context) (provider.Result, error) {
	s.send.Lock()
	defer s.send.Unlock()
	st := s.snapshot()
	if st.Acked != st.Parts-1 {
		return provider.Result{}, &provider.Error{
			Kind: provider.ErrPermanent, Op: "finish",
			Message: fmt.Sprintf("only parts 0..%d of %d were acknowledged", st.Acked, st.Parts),
		}
	}
	if err := s.complete(ctx); err != nil {
		return provider.Result{}, err
	}
	if s.p.messaging() {
		if err := s.sendMessages(ctx); err != nil {
			return provider.Result{}, err
		}
	}
	st = s.snapshot()
	return provider.Result{RemoteID: st.UUID, RemoteName: storedName(st.Done.FileURL, s.u.Name), Link: st.Done.FileURL, Size: s.u.Size}, nil
}

// storedName is the file name as the server reports it: the last segment
// of file_url, which differs from the name sent when the server's storage
// renamed a taken name. It falls back to the name sent when the URL has
// no usable last segment.
func storedName(fileURL, sent string) string {
	u, err := url.Parse(fileURL)
	if err != nil {
		return sent
	}
	name := path.Base(u.Path)
	if name == "." || name == "/" || name == "" {
		return sent
	}
	return name
}

// finalize sends the done call: the official client's uuid, filename and
// totalparts, plus Ferry's md5 (unless Config.NoMD5), filetype and
// totalfilesize, which the server checks against what it assembled.
//
// The official client never sends md5 (community-js MessageChunkUploader
// useItemFinishListener), so how the real server takes it is unknown. A
// refusal naming md5 is read first as what it says, a copy that differs:
// ErrSessionGone, and the engine sends the file again, which cures a
// corrupted transfer. If the same bytes (same MD5 and size) are refused
// again after that fresh upload, the server disagrees with the md5 field
// itself: done goes without it, and so does every later done of this
// provider. Either way no file is lost and none is stored unchecked twice.
func (s *session) finalize(ctx context.Context, st state) (*api.FileResponse, error) {
	const op = "finish"
	h, err := loadHash(st.MD5)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	f := s.p.fields
	fields := []field{
		{f.UUID, st.UUID},
		{f.FileName, s.u.Name},
		{f.TotalParts, strconv.Itoa(st.Parts)},
	}
	withMD5 := !s.p.cfg.NoMD5 && !s.p.md5Off.Load()
	if withMD5 {
		fields = append(fields, field{f.MD5, sum})
	}
	fields = append(fields, s.typeAndSize()...)
	resp, err := s.p.postForm(ctx, op, api.DoneQuery, fields, nil, nil)
	if err != nil {
		s.doneMaybe = true
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		perr, se := responseError(op, resp, f, true)
		if alreadyFinalized(resp.StatusCode, se, f) {
			// Every part of this session's own uuid was acknowledged: the
			// finalized file is this upload.
			return &api.FileResponse{FileUUID: st.UUID}, nil
		}
		if resp.StatusCode >= 500 {
			// A gateway may answer 5xx after the server finalized.
			s.doneMaybe = true
		}
		s.maybeStored(perr, se)
		if withMD5 && resp.StatusCode == http.StatusBadRequest && onlyField(se, f.MD5) {
			key := fmt.Sprintf("%s/%d", sum, s.u.Size)
			if _, again := s.p.md5Refused.LoadOrStore(key, true); again {
				s.p.md5Off.Store(true)
				return s.finalize(ctx, st)
			}
			perr.Kind = provider.ErrSessionGone
			perr.Message = "server's copy differs from the local file: " + perr.Message +
				" (sending the file again; if the same bytes are refused again, done goes without md5)"
			return nil, perr
		}
		if st.Parts == 1 && resp.StatusCode == http.StatusBadRequest && se.has(f.TotalParts) && !s.p.plainOnePart.Load() {
			// A one-part chunk upload the server will not finish: the file
			// is sent again, as a plain upload (see PutChunk).
			s.p.plainOnePart.Store(true)
			perr.Kind = provider.ErrSessionGone
			perr.Message += " (the server does not finish a one-part chunk upload; sending the file again as a plain upload)"
			return nil, perr
		}
		if se.has(f.MD5, f.TotalFileSize, f.TotalParts) {
			perr.Message = "server's copy differs from the local file: " + perr.Message
		}
		return nil, perr
	}
	var res api.FileResponse
	if err := rest.DecodeJSON(op, resp, &res); err != nil {
		return nil, err
	}
	if res.FileUUID != "" && res.FileUUID != st.UUID {
		return nil, &provider.Error{
			Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode,
			Message: fmt.Sprintf("server finalized file %q, not %q", res.FileUUID, st.UUID),
		}
	}
	return &res, nil
}

// onlyField reports whether every error item of se names field name.
func onlyField(se serverError, name string) bool {
	if len(se.items) == 0 {
		return false
	}
	for _, it := range se.items {
		if it.field != name {
			return false
		}
	}
	return true
}

// uploadThumbnail sends the thumbnail of the stored file parent ("Upload
// a Thumbnail": file and parentuuid, as the official client's
// uploadThumbnail sends them) and returns its file_uuid, which the
// official client puts in the message (see thumbnail.go for the image).
func (s *session) uploadThumbnail(ctx context.Context, parent string) (string, error) {
	const op = "upload thumbnail"
	var src []byte
	if s.preview != nil && int64(s.preview.Len()) == s.u.Size {
		src = s.preview.Bytes()
	}
	img, name := thumbnail(s.u.Name, src)
	fp := &filePart{field: s.p.fields.File, filename: name, r: bytes.NewReader(img), size: int64(len(img))}
	resp, err := s.p.postForm(ctx, op, "", []field{{api.ParentUUID, parent}}, fp, nil)
	if err != nil {
		return "", err
	}
	if resp.StatusCode/100 != 2 {
		perr, _ := responseError(op, resp, s.p.fields, false)
		return "", perr
	}
	var tr api.ThumbnailResponse
	if err := rest.DecodeJSON(op, resp, &tr); err != nil {
		return "", err
	}
	switch {
	case tr.FileUUID == "":
		return "", &provider.Error{Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode, Message: "answer carries no file_uuid"}
	case tr.ParentFileUUID != "" && tr.ParentFileUUID != parent:
		return "", &provider.Error{
			Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode,
			Message: fmt.Sprintf("thumbnail attached to %q, not %q", tr.ParentFileUUID, parent),
		}
	}
	return tr.FileUUID, nil
}

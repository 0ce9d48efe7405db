package filesro

import (
	"bytes"
	"context"
	"net/http"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/filesro/api"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// probeParent is a folder id no share holds: a well-formed UUID (so the
// request passes validation, 2.6 step 2) that fails the last share check,
// "parent_id within the share" (step 6), which comes after the password
// (step 4) and the permission (step 5) checks and before anything is
// stored (step 7).
const probeParent = "00000000-0000-0000-0000-000000000000"

// Check tells an editor share link from a visitor link, an unknown one
// or a wrong share password without storing anything: it sends a one-byte
// first chunk aimed at probeParent. An editor share answers that with the
// empty 403 of the folder check (VueFileManager
// src/Domain/Sharing/Actions/VerifyAccessToItemAction.php: abort(403));
// a visitor share with 403 "Access Denied", an unknown token with 404, a
// protected share without a session with 403 "Sorry, you don't have
// permission". files.ro's own server is not public: should it accept the
// chunk anyway (200), the link does allow uploads and the byte stays in
// the server's hidden chunk storage under a key nobody finishes, with no
// visible file; both outcomes answer the question, so both pass.
func (p *Provider) Check(ctx context.Context) error {
	const op = "check share"
	fields := []rest.Field{
		{Name: api.FieldName, Value: ".ferry-check"},
		{Name: api.FieldExtension, Value: "ferry-check"},
		{Name: api.FieldIsLastChunk, Value: "0"},
		{Name: api.FieldPath, Value: "/.ferry-check"},
		{Name: api.FieldParentID, Value: probeParent},
	}
	form, err := chunkForm(fields, NewKey(".ferry-check"), 1)
	if err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	tmpl := api.UploadPath
	if p.cfg.VueFileManager {
		tmpl = api.VFMUploadChunksPath
	}
	cookie := ""
	if p.cfg.Password != "" {
		if cookie, err = p.session(ctx, ""); err != nil {
			return err
		}
	}
	r := p.post(ctx, p.endpoint(tmpl), form, bytes.NewReader([]byte{'.'}), 1, cookie)
	if r.err != nil {
		return rest.TransportError(op, r.err)
	}
	raw, rerr := rest.ReadBody(r.resp)
	if rerr != nil {
		return &provider.Error{Kind: provider.ErrRetryable, Op: op, Status: r.resp.StatusCode, Err: rerr}
	}
	switch r.resp.StatusCode {
	case http.StatusOK, http.StatusCreated:
		return nil
	}
	perr := statusError(op, r.resp, raw)
	if r.resp.StatusCode == http.StatusForbidden && perr.Kind == provider.ErrPermanent {
		return nil // the folder check: every check before it passed
	}
	return perr
}

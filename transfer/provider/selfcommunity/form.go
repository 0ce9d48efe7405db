package selfcommunity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
)

// field is one form parameter; order matters on the wire (parameters come
// before the file part, as in the official client and Fine Uploader).
type field struct{ name, value string }

// filePart is the blob of a multipart body, streamed from r, which must
// yield exactly size bytes.
type filePart struct {
	field, filename string
	r               io.Reader
	size            int64
}

// multipartBody lays out fields then the optional file part without
// buffering the file (rest.Form): only the small head and tail are in
// memory, and the exact Content-Length is known, because Django-style
// servers do not accept chunked request bodies.
func multipartBody(fields []field, fp *filePart) (body io.Reader, contentType string, length int64, err error) {
	rf := make([]rest.Field, len(fields))
	for i, f := range fields {
		rf[i] = rest.Field{Name: f.name, Value: f.value}
	}
	var part *rest.FilePart
	var content *rest.ExactReader
	if fp != nil {
		part = &rest.FilePart{Field: fp.field, Filename: fp.filename, Size: fp.size}
		content = rest.NewExactReader(fp.r, fp.size)
	}
	form, err := rest.NewForm(rf, part)
	if err != nil {
		return nil, "", 0, err
	}
	return form.Body(content), form.ContentType, form.Len(), nil
}

// newRequest builds a request to the API path (query is the raw query,
// e.g. "done") with the Bearer token. body may be nil.
func (p *Provider) newRequest(ctx context.Context, method, path, query string, body io.Reader) (*http.Request, error) {
	u := *p.base
	u.Path = strings.TrimRight(p.base.Path, "/") + path
	u.RawQuery = query
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// postForm sends a multipart POST to path and returns the response; a
// transport failure is a *provider.Error named op. A short chunk body is
// ErrPermanent: retrying cannot make the file longer.
func (p *Provider) postForm(ctx context.Context, op, query string, fields []field, fp *filePart, hdr http.Header) (*http.Response, error) {
	body, ctype, length, err := multipartBody(fields, fp)
	if err != nil {
		return nil, err
	}
	req, err := p.newRequest(ctx, http.MethodPost, api.UploadPath, query, body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := p.client.Do(req)
	if err != nil {
		if errors.Is(err, rest.ErrShortBody) {
			return nil, &provider.Error{
				Kind: provider.ErrPermanent, Op: op,
				Message: "local file shrank while it was being sent", Err: rest.ErrShortBody,
			}
		}
		return nil, transportError(ctx, op, err)
	}
	return resp, nil
}

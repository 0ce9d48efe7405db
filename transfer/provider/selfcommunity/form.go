package selfcommunity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
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

// errShortBody means the chunk reader ended before the planned size: the
// local file shrank while it was being sent.
var errShortBody = errors.New("chunk body ended before its planned size")

// multipartBody lays out fields then the optional file part without
// buffering the file: only the small head and tail are in memory, and the
// exact Content-Length is known, because Django-style servers do not
// accept chunked request bodies.
func multipartBody(fields []field, fp *filePart) (body io.Reader, contentType string, length int64, err error) {
	var head, tail bytes.Buffer
	sw := &switchWriter{w: &head}
	mw := multipart.NewWriter(sw)
	for _, f := range fields {
		if err := mw.WriteField(f.name, f.value); err != nil {
			return nil, "", 0, fmt.Errorf("build form: %w", err)
		}
	}
	var content io.Reader = strings.NewReader("")
	var size int64
	if fp != nil {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`,
			escapeQuotes(fp.field), escapeQuotes(fp.filename)))
		h.Set("Content-Type", "application/octet-stream")
		if _, err := mw.CreatePart(h); err != nil {
			return nil, "", 0, fmt.Errorf("build form: %w", err)
		}
		content, size = &exactReader{r: fp.r, left: fp.size}, fp.size
	}
	sw.w = &tail
	if err := mw.Close(); err != nil {
		return nil, "", 0, fmt.Errorf("build form: %w", err)
	}
	length = int64(head.Len()) + size + int64(tail.Len())
	return io.MultiReader(&head, content, &tail), mw.FormDataContentType(), length, nil
}

// switchWriter lets one multipart.Writer write its head and tail into
// different buffers around the streamed file content.
type switchWriter struct{ w io.Writer }

func (s *switchWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "%0D", "\n", "%0A")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

// exactReader yields exactly left bytes of r, failing with errShortBody if
// r ends early; bytes beyond left are never read.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) {
		if e.left > 0 {
			return n, errShortBody
		}
		err = nil
	}
	return n, err
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
		if errors.Is(err, errShortBody) {
			return nil, &provider.Error{
				Kind: provider.ErrPermanent, Op: op,
				Message: "local file shrank while it was being sent", Err: errShortBody,
			}
		}
		return nil, transportError(ctx, op, err)
	}
	return resp, nil
}

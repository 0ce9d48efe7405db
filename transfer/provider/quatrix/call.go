package quatrix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix/api"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// apiRoot prefixes every API path; the upload data endpoint is at the host
// root instead (protocols/quatrix.md §1).
const apiRoot = "/api/1.0"

// request is one HTTP exchange. Either json (encoded as the body) or body
// (raw bytes, rewound before a replay) may be set.
type request struct {
	op     string
	method string
	path   string // absolute path on the host, e.g. apiRoot+"/file/id"
	query  url.Values
	json   any
	body   io.ReadSeeker
	size   int64 // length of body
	header http.Header
	ok     []int // success statuses; nil means 200 only
}

// call performs r with the current credentials and decodes a success body
// into out (nil: drained). With session auth a 401 triggers one re-login
// and one replay; a second 401 is an error wrapping provider.ErrAuth.
// Every other failure is a *provider.Error with the kind statusError gives.
func (p *Provider) call(ctx context.Context, r request, out any) error {
	tok, err := p.auth.current(ctx)
	if err != nil {
		return err
	}
	err = p.rawCall(ctx, r, tok, out)
	var pe *provider.Error
	if err == nil || !p.auth.sessionAuth() || !asError(err, &pe) || pe.Status != http.StatusUnauthorized {
		return err
	}
	if err := p.auth.relogin(ctx, tok); err != nil {
		return err
	}
	if tok, err = p.auth.current(ctx); err != nil {
		return err
	}
	err = p.rawCall(ctx, r, tok, out)
	if asError(err, &pe) && pe.Status == http.StatusUnauthorized {
		pe.Kind = provider.ErrAuth
		pe.Message = "the server refused a fresh session: " + pe.Message
	}
	return err
}

// rawCall performs r once with token (ignored with an API key).
func (p *Provider) rawCall(ctx context.Context, r request, token string, out any) error {
	req, body, err := p.newRequest(ctx, r)
	if err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: r.op, Err: err}
	}
	p.auth.apply(req, token)
	resp, err := p.client.Do(req)
	if body != nil {
		// net/http may still be reading the body (a 401 answered before
		// it was all sent); a replay rewinds r.body, so cut this one off.
		body.Detach()
	}
	if err != nil {
		return transportError(ctx, r.op, err)
	}
	ok := r.ok
	if ok == nil {
		ok = []int{http.StatusOK}
	}
	if !slices.Contains(ok, resp.StatusCode) {
		e := statusError(r.op, resp)
		if resp.StatusCode == http.StatusUnauthorized && !p.auth.sessionAuth() {
			e.Message = "the API key was refused: " + e.Message
		}
		return e
	}
	// Only API calls count as activity for the keepalive clock. Whether a
	// chunk POST to /upload/chunked/ refreshes the server's session is
	// unknown (docs/protocols/review-2026-12-06.md, risk #9; the official SDKs ping every 5
	// minutes regardless), so the client assumes it does not: during a
	// long upload made of chunks only, the keepalive loop still pings.
	// That works whichever way the server behaves.
	if token != "" && strings.HasPrefix(r.path, apiRoot+"/") {
		p.auth.touch()
	}
	if out == nil {
		rest.Drain(resp)
		return nil
	}
	return rest.DecodeJSON(r.op, resp, out)
}

// newRequest builds r's HTTP request. When r has a raw body it is rewound;
// a large one is wrapped in the returned SoleBody, which the caller
// detaches once the request is over (a small one is read at once).
func (p *Provider) newRequest(ctx context.Context, r request) (*http.Request, *rest.SoleBody, error) {
	u := p.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	var sole *rest.SoleBody
	var size int64
	switch {
	case r.json != nil:
		b, err := json.Marshal(r.json)
		if err != nil {
			return nil, nil, fmt.Errorf("encode request: %w", err)
		}
		body, size = bytes.NewReader(b), int64(len(b))
	case r.body != nil:
		// A replay after a re-login sends the same bytes again.
		if _, err := r.body.Seek(0, io.SeekStart); err != nil {
			return nil, nil, fmt.Errorf("rewind body: %w", err)
		}
		if r.size <= rest.SmallBody {
			// Read now into a private buffer, sent with the headers in one
			// write (rest.Gather); nothing reads r.body after this, so it
			// needs no SoleBody.
			body, size = rest.Gather(nil, r.body, r.size, nil), r.size
			break
		}
		sole = rest.NewSoleBody(io.LimitReader(r.body, r.size))
		body, size = sole, r.size
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if r.json != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, sole, nil
}

// statusError reads resp's ErrorModel body and maps it to a provider error.
// The service code decides before the HTTP status where it is specific:
// 30/96 (name exists) is a conflict, 60 (expired key) means the upload
// session is gone, 122 and 71 are quota. 401 is auth, 404 or code 20 is
// gone, 413 too large, 429/5xx retryable, other 4xx permanent.
func statusError(op string, resp *http.Response) *provider.Error {
	body, readErr := rest.ReadBody(resp)
	var m api.Error
	code := ""
	msg := ""
	if readErr == nil && json.Unmarshal(body, &m) == nil && (m.Msg != "" || m.Code != 0) {
		code, msg = strconv.Itoa(m.Code), m.Msg
	}
	var kind error
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		kind = provider.ErrAuth
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		kind = provider.ErrRetryable
	case m.Code == api.CodeObjectExists || m.Code == api.CodeSameNameExists:
		kind = provider.ErrConflict
	case m.Code == api.CodeExpired || resp.StatusCode == http.StatusGone:
		kind = provider.ErrSessionGone
	case m.Code == api.CodeQuotaExceeded || m.Code == api.CodeNotEnoughSpace:
		kind = provider.ErrQuota
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		kind = provider.ErrTooLarge
	case resp.StatusCode == http.StatusNotFound || m.Code == api.CodeNotFound:
		kind = provider.ErrSessionGone
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusForbidden:
		kind = provider.ErrPermanent
	}
	e := rest.StatusError(op, resp, kind, code, msg)
	if readErr != nil {
		e.Err = readErr
	}
	return e
}

// notFound reports whether err is the server saying the object does not
// exist (HTTP 404 or code 20).
func notFound(err error) bool {
	var pe *provider.Error
	return asError(err, &pe) && (pe.Status == http.StatusNotFound || pe.Code == strconv.Itoa(api.CodeNotFound))
}

// transportError wraps a failure to get any response. A cancelled context
// is returned as the context's error so the engine sees cancellation.
func transportError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	return rest.TransportError(op, err)
}

func asError(err error, target **provider.Error) bool {
	return err != nil && errors.As(err, target)
}

package twake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
)

// filesURL is route 1; never with a trailing slash (notes §1.1: the server
// would treat ".../files/" as another route).
func (p *Provider) filesURL() string {
	return p.base + api.FilesPrefix + "/companies/" + url.PathEscape(p.cfg.CompanyID) + "/files"
}

// fileURL is routes 2, 3 and 6 for one file.
func (p *Provider) fileURL(id string) string {
	return p.filesURL() + "/" + url.PathEscape(id)
}

func (p *Provider) itemsURL() string {
	return p.base + api.DocumentsPrefix + "/companies/" + url.PathEscape(p.cfg.CompanyID) + "/item"
}

// request is one HTTP call's description.
type request struct {
	op          string
	method      string
	url         string
	query       url.Values
	contentType string
	body        io.Reader
	length      int64 // body length; the body is sent with this Content-Length
	// notFound is the kind a 404 means for this call: ErrSessionGone for a
	// known file id, ErrPermanent where it can only mean a wrong URL.
	notFound error
	// driveFolder is the Drive item a documents read names: its 401 means
	// "no access to it", with a valid token or without one.
	driveFolder string
	// slow sends the request with the client that waits driveCreateTimeout
	// for the answer.
	slow bool
}

// do sends r and returns the response of a 2xx answer with its body unread.
// Any other answer is read, closed and returned as a *provider.Error with
// the server's message; a transport failure as rest.TransportError.
func (p *Provider) do(ctx context.Context, r request) (*http.Response, error) {
	target := r.url
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	body := r.body
	if body == nil {
		body = http.NoBody
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrPermanent, Op: r.op, Err: err}
	}
	req.ContentLength = r.length
	if r.body == nil && r.method == http.MethodPost {
		// Content-Length: 0 (net/http writes it for a POST without a body)
		// and no Content-Type: Fastify refuses an empty body declared as
		// JSON (notes §1.3).
		req.ContentLength = 0
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.cfg.Token)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	client := p.client
	if r.slow {
		client = p.slowClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, rest.TransportError(r.op, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	return nil, p.statusError(r, resp)
}

// statusError maps a failed answer to a provider error (notes §1.8).
func (p *Provider) statusError(r request, resp *http.Response) error {
	raw, readErr := rest.ReadBody(resp)
	var eb api.ErrorBody
	msg := ""
	if readErr == nil && json.Unmarshal(raw, &eb) == nil {
		msg = eb.Message
		if msg == "" {
			msg = eb.Error
		}
	}
	var kind error
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		kind = provider.ErrAuth
		if r.driveFolder != "" {
			msg = p.driveAuthMessage(msg, r.driveFolder)
		} else {
			msg = p.authMessage(msg)
		}
	case http.StatusForbidden:
		// The token is valid but lacks access (another company's Drive).
		kind = provider.ErrAuth
	case http.StatusNotFound:
		kind = r.notFound
	case http.StatusBadRequest:
		kind = provider.ErrPermanent
	}
	return rest.StatusError(r.op, resp, kind, "", msg)
}

// authMessage explains a 401: the server says only "Bad credentials", so
// the provider reads the token's own expiry to say why.
func (p *Provider) authMessage(server string) string {
	if server == "" {
		server = "Bad credentials"
	}
	exp, err := tokenExpiry(p.cfg.Token)
	if err == nil && !exp.IsZero() && !p.cfg.Now().Before(exp) {
		return server + ": the JWT expired at " + exp.UTC().Format("2006-01-02 15:04:05 MST") +
			"; paste a fresh access token into the target settings"
	}
	return server + ": the server rejected the JWT (wrong secret, revoked or for another server)"
}

// driveAuthMessage explains a documents 401. Those routes authenticate
// optionally (linagora/Twake@39f533e5e838 .../documents/web/routes.ts): a
// bad token is no user, who may read nothing, so the 401 comes from the
// access check and names no cause; the token's expiry tells one of them.
func (p *Provider) driveAuthMessage(server, folder string) string {
	if exp, err := tokenExpiry(p.cfg.Token); err == nil && !exp.IsZero() && !p.cfg.Now().Before(exp) {
		return p.authMessage(server)
	}
	return fmt.Sprintf("%s: Twake Drive denied access to folder %q: either the token is not valid for this "+
		"server, or this user may not read the folder; check the token and the target's Drive root", server, folder)
}

// decodeFile reads a {"resource": PublicFile} answer and checks it names a
// file: a 200 without an id would otherwise pass as success.
func decodeFile(op string, resp *http.Response) (api.PublicFile, error) {
	var fr api.FileResponse
	if err := rest.DecodeJSON(op, resp, &fr); err != nil {
		return api.PublicFile{}, err
	}
	if err := checkFile(fr.Resource); err != nil {
		return api.PublicFile{}, &provider.Error{
			Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode,
			Message: "malformed response", Err: err,
		}
	}
	return fr.Resource, nil
}

// checkFile validates what the provider relies on in a PublicFile.
func checkFile(f api.PublicFile) error {
	switch {
	case f.ID == "":
		return errors.New("file resource without an id")
	case strings.ContainsAny(f.ID, "/?#"):
		return errors.New("file id contains a path character")
	case f.UploadData != nil && (f.UploadData.Size < 0 || f.UploadData.Chunks < 0):
		return errors.New("negative upload_data")
	}
	return nil
}

// initFile is route 1 without a body: it creates a file entity.
func (p *Provider) initFile(ctx context.Context, op string, q url.Values) (api.PublicFile, error) {
	resp, err := p.do(ctx, request{
		op: op + ": create file", method: http.MethodPost, url: p.filesURL(), query: q,
		notFound: provider.ErrPermanent,
	})
	if err != nil {
		return api.PublicFile{}, err
	}
	return decodeFile(op+": create file", resp)
}

// getFile is route 3; a 404 (Twake Drive's answer for an unknown id) wraps
// ErrSessionGone. Twake itself answers 500 for an unknown id, which stays
// retryable because it cannot be told from a server failure.
func (p *Provider) getFile(ctx context.Context, op, id string) (api.PublicFile, error) {
	resp, err := p.do(ctx, request{
		op: op + ": get file", method: http.MethodGet, url: p.fileURL(id), notFound: provider.ErrSessionGone,
	})
	if err != nil {
		return api.PublicFile{}, err
	}
	return decodeFile(op+": get file", resp)
}

// deleteFile is route 6. An answer {"status":"error"} is an error.
func (p *Provider) deleteFile(ctx context.Context, op, id string) error {
	resp, err := p.do(ctx, request{
		op: op + ": delete file", method: http.MethodDelete, url: p.fileURL(id), notFound: provider.ErrSessionGone,
	})
	if err != nil {
		return err
	}
	var dr api.DeleteResponse
	if err := rest.DecodeJSON(op+": delete file", resp, &dr); err != nil {
		return err
	}
	if dr.Status != "success" {
		return &provider.Error{
			Kind: provider.ErrRetryable, Op: op + ": delete file", Status: resp.StatusCode,
			Message: "server answered status " + quote(dr.Status),
		}
	}
	return nil
}

// postJSON sends v as a JSON body and decodes the 2xx answer into out.
func (p *Provider) postJSON(ctx context.Context, op, target string, v, out any) error {
	return p.sendJSON(ctx, op, target, v, out, false)
}

// postJSONSlow is postJSON for an answer that may take driveCreateTimeout.
func (p *Provider) postJSONSlow(ctx context.Context, op, target string, v, out any) error {
	return p.sendJSON(ctx, op, target, v, out, true)
}

func (p *Provider) sendJSON(ctx context.Context, op, target string, v, out any, slow bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	resp, err := p.do(ctx, request{
		op: op, method: http.MethodPost, url: target, contentType: "application/json",
		body: bytes.NewReader(b), length: int64(len(b)), notFound: provider.ErrPermanent, slow: slow,
	})
	if err != nil {
		return err
	}
	return rest.DecodeJSON(op, resp, out)
}

func quote(s string) string { return `"` + s + `"` }

// Cleanup deletes are tried a few times: a passing server failure must not
// leave an entity behind that nothing will revisit (the engine does not
// retry an Abort, and a sweep only runs again when the same path is
// uploaded again).
const (
	cleanupAttempts = 4
	cleanupBackoff  = 100 * time.Millisecond // doubled after every failure
	cleanupMaxWait  = 2 * time.Second        // cap on a server's Retry-After
)

// deleteForCleanup is deleteFile retried while the failure is retryable.
// It returns the last error; ErrSessionGone means the file is gone.
//
// A 404 after an attempt that failed in a way that may have deleted the
// entity (a 5xx, a lost answer) is success: the entity is gone. This is
// the real server's ordinary answer for an entity that never received a
// chunk: it removes the row, then crashes on the null upload_data (500),
// and a repeated DELETE finds no row (404) (linagora/Twake@39f533e5e838
// twake/backend/node/src/services/files/services/index.ts:276-289; the same
// code in twake-drive-legacy). Since a 500 is that expected crash (and a
// sweep cannot know whether its entity ever received a chunk), the first
// 500 is confirmed at once by a second DELETE that does not count as an
// attempt.
func (p *Provider) deleteForCleanup(ctx context.Context, op, id string) error {
	wait := cleanupBackoff
	mayBeGone, confirm := false, true
	for attempt := 1; ; attempt++ {
		err := p.deleteFile(ctx, op, id)
		if mayBeGone && errors.Is(err, provider.ErrSessionGone) {
			return nil // an earlier attempt deleted it
		}
		kind, after := provider.Classify(err)
		if err == nil || kind != provider.ErrRetryable {
			return err
		}
		mayBeGone = true
		var pe *provider.Error
		if confirm && errors.As(err, &pe) && pe.Status == http.StatusInternalServerError {
			confirm = false // one free confirmation
			attempt--
			continue
		}
		if attempt == cleanupAttempts {
			return err
		}
		d := max(wait, min(after, cleanupMaxWait))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}

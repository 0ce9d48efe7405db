package filesro

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/filesro/api"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// session returns the share_session cookie value, authenticating with the
// share password when the provider has none yet or when the one it has is
// stale (the value a request just saw refused). Concurrent callers share
// one exchange. Errors: ErrAuth for a wrong password or unknown share,
// ErrRetryable for transport failures and 5xx.
func (p *Provider) session(ctx context.Context, stale string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cookie != "" && p.cookie != stale {
		return p.cookie, nil
	}
	p.cookie = ""
	tmpl := api.AuthenticatePath
	if p.cfg.VueFileManager {
		tmpl = api.VFMAuthenticatePath
	}
	form := url.Values{api.FieldPassword: {p.cfg.Password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint(tmpl), strings.NewReader(form.Encode()))
	if err != nil {
		return "", &provider.Error{Kind: provider.ErrPermanent, Op: "authenticate share", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return "", rest.TransportError("authenticate share", err)
	}
	body, rerr := rest.ReadBody(resp)
	switch {
	case resp.StatusCode == http.StatusOK:
		for _, c := range resp.Cookies() {
			if c.Name == api.SessionCookie && c.Value != "" {
				p.cookie = c.Value
				return c.Value, nil
			}
		}
		return "", &provider.Error{
			Kind: provider.ErrAuth, Op: "authenticate share", Status: resp.StatusCode,
			Message: "the server accepted the password but set no share_session cookie",
		}
	case rerr != nil:
		return "", &provider.Error{Kind: provider.ErrRetryable, Op: "authenticate share", Status: resp.StatusCode, Err: rerr}
	case resp.StatusCode == http.StatusUnauthorized:
		return "", rest.StatusError("authenticate share", resp, provider.ErrAuth, "", "wrong share password")
	}
	return "", statusError("authenticate share", resp, body)
}

// forget drops a cookie the server refused, unless another request has
// already replaced it.
func (p *Provider) forget(cookie string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cookie == cookie {
		p.cookie = ""
	}
}

package filesro

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/filesro/api"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// authRoutes are the share-password routes in the order they are tried.
// files.ro documents none; its server is VueFileManager, whose route is
// POST /api/sharing/authenticate/{token} (VueFileManager/vuefilemanager@
// 5ba4bf347880 routes/share.php, prefix in RouteServiceProvider.php). The
// real route is unknown, so the client takes the path that works either
// way: the VFM route first, and the files.ro-style one when the server
// does not have the VFM route.
var authRoutes = []string{api.VFMAuthenticatePath, api.AuthenticatePath}

// session returns the share_session cookie value, authenticating with the
// share password when the provider has none yet or when the one it has is
// stale (the value a request just saw refused). Concurrent callers share
// one exchange. Errors: ErrAuth for a wrong password, an unknown share or
// a server with none of the known routes; ErrRetryable for transport
// failures and 5xx.
func (p *Provider) session(ctx context.Context, stale string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cookie != "" && p.cookie != stale {
		return p.cookie, nil
	}
	p.cookie = ""
	routes := authRoutes
	if p.authRoute != "" {
		routes = []string{p.authRoute}
	}
	var tried []string
	for _, route := range routes {
		cookie, missing, err := p.authenticate(ctx, route)
		if !missing {
			if err == nil {
				p.authRoute, p.cookie = route, cookie
			}
			return cookie, err
		}
		tried = append(tried, strings.Replace(route, "%s", "{token}", 1))
	}
	return "", &provider.Error{
		Kind: provider.ErrAuth, Op: "authenticate share", Status: http.StatusNotFound,
		Message: "the server has none of the share-password routes Ferry knows (tried " + strings.Join(tried, ", ") +
			"); the share link itself may be fine: open it in a browser, and report the server's route",
	}
}

// authenticate posts the password to one route. missing reports a 404 for
// a route the server does not have (Laravel's 404 for an unknown share
// token names the model instead).
func (p *Provider) authenticate(ctx context.Context, route string) (cookie string, missing bool, err error) {
	form := url.Values{api.FieldPassword: {p.cfg.Password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint(route), strings.NewReader(form.Encode()))
	if err != nil {
		return "", false, &provider.Error{Kind: provider.ErrPermanent, Op: "authenticate share", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return "", false, rest.TransportError("authenticate share", err)
	}
	body, rerr := rest.ReadBody(resp)
	switch {
	case resp.StatusCode == http.StatusOK:
		for _, c := range resp.Cookies() {
			if c.Name == api.SessionCookie && c.Value != "" {
				return c.Value, false, nil
			}
		}
		return "", false, &provider.Error{
			Kind: provider.ErrAuth, Op: "authenticate share", Status: resp.StatusCode,
			Message: "the server accepted the password but set no share_session cookie",
		}
	case rerr != nil:
		return "", false, &provider.Error{Kind: provider.ErrRetryable, Op: "authenticate share", Status: resp.StatusCode, Err: rerr}
	case resp.StatusCode == http.StatusUnauthorized:
		// VisitorUnlockLockedShareController.php:35: 401 with a plain-text
		// message.
		return "", false, rest.StatusError("authenticate share", resp, provider.ErrAuth, "", "wrong share password")
	case resp.StatusCode == http.StatusNotFound:
		var eb api.ErrorBody
		_ = json.Unmarshal(body, &eb) // an HTML or empty 404 is a missing route too
		if !strings.HasPrefix(eb.Message, api.UnknownShareMessage) {
			return "", true, nil
		}
	}
	return "", false, statusError("authenticate share", resp, body)
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

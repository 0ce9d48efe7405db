package quatrix

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix/api"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// mfaMessage is what a user sees when the account needs a second factor:
// Ferry cannot prompt for a code on every login of a background upload.
const mfaMessage = "this account requires two-factor authentication; create an API key in Quatrix and use --auth apikey"

// authenticator holds the credentials and the current session. With an API
// key it only sets the Bearer header. With email and password it logs in
// lazily, replaces a session the server refused (once per refusal), and
// keeps the session alive while uploads are open.
type authenticator struct {
	p               *Provider
	apiKey          string
	email, password string
	keepAlive       time.Duration

	mu      sync.Mutex // guards the fields below; held across a login so callers wait for it
	token   string     // current session id, "" when none
	lastUse time.Time  // last authenticated API call (the server's idle clock)
	holders int        // open upload sessions; the keepalive loop runs while > 0
	stop    chan struct{}
	done    chan struct{}
}

func (a *authenticator) sessionAuth() bool { return a.apiKey == "" }

// current returns the session token to use, logging in first when there is
// none. With an API key it returns "".
func (a *authenticator) current(ctx context.Context) (string, error) {
	if !a.sessionAuth() {
		return "", nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token == "" {
		tok, err := a.login(ctx)
		if err != nil {
			return "", err
		}
		a.token = tok
		a.lastUse = time.Now()
	}
	return a.token, nil
}

// apply sets the credential header for token (from current) on req.
func (a *authenticator) apply(req *http.Request, token string) {
	if a.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+a.apiKey)
		return
	}
	req.Header.Set("X-Auth-Token", token)
}

// touch records an authenticated call the server answered, which refreshes
// its idle timer.
func (a *authenticator) touch() {
	a.mu.Lock()
	a.lastUse = time.Now()
	a.mu.Unlock()
}

// relogin replaces the session the server refused. When another caller
// already replaced it (the token differs from refused), it only returns,
// so many uploads hitting one expiry cause a single login.
func (a *authenticator) relogin(ctx context.Context, refused string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != refused && a.token != "" {
		return nil
	}
	a.token = ""
	tok, err := a.login(ctx)
	if err != nil {
		return err
	}
	a.token = tok
	a.lastUse = time.Now()
	return nil
}

// login performs GET /session/login with Basic auth. The caller holds mu.
// It returns an error wrapping provider.ErrAuth on refused credentials or
// an MFA demand (207), provider.ErrRetryable on 429/5xx and transport errors.
func (a *authenticator) login(ctx context.Context) (string, error) {
	const op = "quatrix login"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.p.base+apiRoot+"/session/login", nil)
	if err != nil {
		return "", &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	req.SetBasicAuth(a.email, a.password)
	req.Header.Set("Accept", "application/json")
	resp, err := a.p.client.Do(req)
	if err != nil {
		return "", transportError(ctx, op, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		var out api.SessionLogin
		if err := rest.DecodeJSON(op, resp, &out); err != nil {
			return "", err
		}
		tok := out.SessionID
		if tok == "" {
			// Old servers sent the token only in a response header (QA1 docs).
			tok = resp.Header.Get("X-Auth-Token")
		}
		if tok == "" {
			return "", &provider.Error{
				Kind: provider.ErrPermanent, Op: op, Status: resp.StatusCode,
				Message: "the server returned no session id",
			}
		}
		return tok, nil
	case http.StatusMultiStatus:
		rest.Drain(resp)
		return "", &provider.Error{
			Kind: provider.ErrAuth, Op: op, Status: resp.StatusCode,
			Code: resp.Header.Get("Mfa-Code"), Message: mfaMessage,
		}
	case http.StatusUnauthorized:
		e := statusError(op, resp)
		e.Kind = provider.ErrAuth
		e.Message = "the email or password was refused: " + e.Message
		return "", e
	}
	return "", statusError(op, resp)
}

// hold marks one more open upload; the first starts the keepalive loop.
// The returned func releases the hold and is safe to call more than once.
func (a *authenticator) hold() (release func()) {
	if !a.sessionAuth() {
		return func() {}
	}
	a.mu.Lock()
	a.holders++
	if a.holders == 1 {
		a.stop, a.done = make(chan struct{}), make(chan struct{})
		go a.keepAliveLoop(a.stop, a.done)
	}
	a.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			var stop chan struct{}
			if a.holders > 0 { // close may have reset the count already
				a.holders--
			}
			if a.holders == 0 {
				stop, a.stop = a.stop, nil
			}
			a.mu.Unlock()
			if stop != nil {
				close(stop)
			}
		})
	}
}

// keepAliveLoop runs in its own goroutine while uploads are open. It checks
// twice per period and pings when the session has been idle for a period,
// because chunk POSTs may not count as API activity on the server.
func (a *authenticator) keepAliveLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(a.keepAlive / 2)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		a.mu.Lock()
		tok, idle := a.token, time.Since(a.lastUse)
		a.mu.Unlock()
		if tok == "" || idle < a.keepAlive {
			continue
		}
		if err := a.ping(tok); err != nil {
			a.p.log.Warn("quatrix keepalive failed", "host", a.p.base, "err", err)
		}
	}
}

// ping sends GET /session/keepalive. A refused session is forgotten, so the
// next API call logs in again instead of failing once first.
func (a *authenticator) ping(tok string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := a.p.rawCall(ctx, request{op: "quatrix keepalive", method: http.MethodGet, path: apiRoot + "/session/keepalive"}, tok, nil)
	var pe *provider.Error
	if err != nil && asError(err, &pe) && pe.Status == http.StatusUnauthorized {
		a.mu.Lock()
		if a.token == tok {
			a.token = ""
		}
		a.mu.Unlock()
		return err
	}
	if err == nil {
		a.touch()
	}
	return err
}

// close stops the keepalive loop and logs out.
func (a *authenticator) close(ctx context.Context) error {
	if !a.sessionAuth() {
		return nil
	}
	a.mu.Lock()
	stop, done := a.stop, a.done
	a.stop, a.holders = nil, 0
	tok := a.token
	a.token = ""
	a.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	if tok == "" {
		return nil
	}
	return a.p.rawCall(ctx, request{op: "quatrix logout", method: http.MethodGet, path: apiRoot + "/session/logout"}, tok, nil)
}

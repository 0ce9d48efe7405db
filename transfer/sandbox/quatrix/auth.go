package quatrix

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// sessionRec is one login. A pending session (MFA not completed) exists
// only so the 207 answer carries a session id; it authorises nothing.
type sessionRec struct {
	acc     *account
	lastUse time.Time
	pending bool
}

// handler is an authenticated endpoint.
type handler func(w http.ResponseWriter, r *http.Request, acc *account)

// authed runs h with the request's principal, or answers 401 code 14
// (Q-AUTH: maytech/api-client-go@3d3df036 api/swagger.yaml:3401-3404;
// rclone/rclone@64ab1ac32260 backend/quatrix/quatrix.go:206-208).
func (a *API) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acc, e := a.principal(r)
		if e != nil {
			writeError(w, e)
			return
		}
		h(w, r, acc)
	}
}

// principal resolves X-Auth-Token, Authorization: Bearer or the token
// cookie (in that order) to an account. A session use refreshes its idle
// timer; an idle or fault-expired session is forgotten and refused.
func (a *API) principal(r *http.Request) (*account, *apiError) {
	return a.principalRefresh(r, true)
}

// principalRefresh is principal; refresh false checks a session without
// counting the request as API activity (chunk POSTs: whether they keep a
// session alive is unknown, so the sandbox assumes they do not; Q-IDLE,
// Q-CHUNK-AUTH). The token cookie is document only (seed
// quatrix-api-reference.txt:65-69).
func (a *API) principalRefresh(r *http.Request, refresh bool) (*account, *apiError) {
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		return a.useSession(tok, refresh)
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, cred, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, errf(401, codeNotAuthorized, "Authorization must be \"Bearer <api key>\"; get a session with GET /api/1.0/session/login")
		}
		acc := a.keys[strings.TrimSpace(cred)]
		if acc == nil {
			return nil, errf(401, codeNotAuthorized, "the API key is not valid")
		}
		return acc, nil
	}
	if c, err := r.Cookie("token"); err == nil && c.Value != "" {
		return a.useSession(c.Value, refresh)
	}
	return nil, errf(401, codeNotAuthorized, "authentication required: X-Auth-Token, Authorization: Bearer or the token cookie")
}

// hasCredential reports whether r carries any credential at all.
func hasCredential(r *http.Request) bool {
	if r.Header.Get("X-Auth-Token") != "" || r.Header.Get("Authorization") != "" {
		return true
	}
	c, err := r.Cookie("token")
	return err == nil && c.Value != ""
}

func (a *API) useSession(tok string, refresh bool) (*account, *apiError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.sessions[tok]
	if s == nil || s.pending {
		return nil, errf(401, codeNotAuthorized, "the session is unknown or has expired")
	}
	now := a.env.Now()
	if now.Sub(s.lastUse) > a.cfg.SessionIdle || a.env.Expire() {
		delete(a.sessions, tok)
		return nil, errf(401, codeNotAuthorized, "the session has expired")
	}
	if refresh {
		s.lastUse = now
	}
	return s.acc, nil
}

// login is GET /api/1.0/session/login with Basic auth (Q-LOGIN, Q-MFA:
// maytech/api-client-go@3d3df036 api/swagger.yaml:69-130, SessionLoginResp
// :3410; the rate limit Q-LOGIN-LIMIT is document only, the QA1 Login page
// in shared/protocols/quatrix.md:59).
func (a *API) login(w http.ResponseWriter, r *http.Request) {
	email, password, ok := r.BasicAuth()
	if !ok {
		writeError(w, errf(401, codeNotAuthorized, "log in with Authorization: Basic base64(email:password)"))
		return
	}
	acc := a.users[email]
	if acc == nil || subtle.ConstantTimeCompare([]byte(acc.Password), []byte(password)) != 1 {
		writeError(w, errf(401, codeNotAuthorized, "wrong email or password"))
		return
	}
	now := a.env.Now()
	id := sandbox.NewID()
	a.mu.Lock()
	a.counts.Logins++
	if a.env.Switches.OnDefault(SwitchLoginLimit, false) {
		recent := a.logins[email][:0]
		for _, t := range a.logins[email] {
			if now.Sub(t) < a.cfg.LoginWindow {
				recent = append(recent, t)
			}
		}
		if len(recent) >= a.cfg.LoginLimit {
			a.logins[email] = recent
			wait := a.cfg.LoginWindow - now.Sub(recent[0])
			a.mu.Unlock()
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			writeError(w, errf(429, codeNotAllowed, "too many logins: %d per %s", a.cfg.LoginLimit, a.cfg.LoginWindow))
			return
		}
		a.logins[email] = append(recent, now)
	}
	a.sessions[id] = &sessionRec{acc: acc, lastUse: now, pending: acc.MFA}
	a.mu.Unlock()
	a.env.Redact(id)
	if acc.MFA {
		w.Header().Set("Mfa-Code", strconv.Itoa(codeMFARequired))
		sandbox.WriteJSON(w, http.StatusMultiStatus, map[string]string{"session_id": id})
		return
	}
	w.Header().Set("X-Auth-Token", id)
	http.SetCookie(w, &http.Cookie{Name: "token", Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	sandbox.WriteJSON(w, http.StatusOK, map[string]string{"session_id": id})
}

// loginMFA is POST /api/1.0/session/login: the second step of an MFA
// login. Its two documented body shapes conflict (swagger vs C# SDK), so
// the sandbox refuses it visibly instead of guessing.
func (a *API) loginMFA(w http.ResponseWriter, _ *http.Request) {
	writeError(w, errf(400, codeNotSupported, "the sandbox does not implement the MFA second step; use an API key"))
}

// keepalive is GET /api/1.0/session/keepalive: 200 with an empty body
// (Q-KEEPALIVE: maytech/api-client-go@3d3df036 api/swagger.yaml:131-145;
// its description is the 15-minute idle rule Q-IDLE, :137).
func (a *API) keepalive(w http.ResponseWriter, _ *http.Request, _ *account) {
	a.mu.Lock()
	a.counts.KeepAlives++
	a.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// logout is GET /api/1.0/session/logout: the session stops working
// (Q-LOGOUT: maytech/api-client-go@3d3df036 api/swagger.yaml:146-155).
func (a *API) logout(w http.ResponseWriter, r *http.Request, _ *account) {
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		if c, err := r.Cookie("token"); err == nil {
			tok = c.Value
		}
	}
	if tok != "" {
		a.mu.Lock()
		delete(a.sessions, tok)
		a.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

package filesro

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// CookieName is the cookie that unlocks a protected share.
const CookieName = "share_session"

// sessionCookie is the cookie's content: VueFileManager checks a JSON
// {"token", "authenticated"}; the sandbox adds a nonce it issued, so a
// client cannot forge the cookie (the real one is encrypted by Laravel).
type sessionCookie struct {
	Token         string `json:"token"`
	Authenticated bool   `json:"authenticated"`
	Nonce         string `json:"nonce"`
}

// authenticate checks a share password (form or JSON "password") and
// sets the share_session cookie: 200 with the share resource, 401 for a
// wrong password, 404 for an unknown token [R-auth]
// (VueFileManager/vuefilemanager@5ba4bf347880 routes/share.php:32,
// src/Domain/Sharing/Controllers/VisitorUnlockLockedShareController.php:24-35).
func (a *API) authenticate(w http.ResponseWriter, r *http.Request) {
	if !a.allow(w, r) {
		return
	}
	sh := a.shares[r.PathValue("token")]
	if sh == nil {
		_, _ = io.Copy(io.Discard, r.Body) // PHP reads the request before routing
		messageJSON(w, http.StatusNotFound, "No query results for model [Domain\\Sharing\\Models\\Share] "+r.PathValue("token"))
		return
	}
	password := readPassword(r)
	if sh.Password != "" && password != sh.Password {
		if wantsJSON(r) {
			messageJSON(w, http.StatusUnauthorized, "Sorry, your password is incorrect.")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "Sorry, your password is incorrect.")
		return
	}
	if sh.Password != "" {
		nonce := randomString(24)
		raw, err := json.Marshal(sessionCookie{Token: sh.Token, Authenticated: true, Nonce: nonce})
		if err != nil {
			messageJSON(w, http.StatusInternalServerError, "Server Error")
			return
		}
		val := base64.RawURLEncoding.EncodeToString(raw)
		a.mu.Lock()
		a.cookies[nonce] = sh.Token
		a.mu.Unlock()
		a.env.Redact(val)
		http.SetCookie(w, &http.Cookie{
			Name: CookieName, Value: val, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteLaxMode, MaxAge: 43200 * 60,
		})
	}
	sandbox.WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"id": sh.Token, "type": "shared",
		"attributes": map[string]any{
			"permission": sh.Permission, "protected": sh.Password != "", "item_id": sh.folder,
			"expire_in": nil, "token": sh.Token, "link": a.env.BaseURL() + "/share/" + sh.Token, "type": "folder",
		},
	}})
}

func readPassword(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var body struct {
			Password string `json:"password"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&body); err != nil {
			return ""
		}
		return body.Password
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if strings.HasPrefix(mt, "multipart/") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return ""
		}
	}
	return r.FormValue("password")
}

// validCookie reports whether r carries a share_session cookie issued by
// authenticate for sh.
func (a *API) validCookie(r *http.Request, sh *share) bool {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return false
	}
	var sc sessionCookie
	if json.Unmarshal(raw, &sc) != nil || sc.Token != sh.Token || !sc.Authenticated {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cookies[sc.Nonce] == sh.Token
}

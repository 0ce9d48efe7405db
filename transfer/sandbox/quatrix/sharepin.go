package quatrix

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// A share created with a PIN (ShareCreateReq pin, "type: string, format:
// base64", maytech/api-client-go@3d3df036 api/swagger.yaml:6247-6249)
// lets GET /share/download/{id} through only after POST /share/login-pin
// {id, pin} (:2373-2392, ShareLoginPinReq :6285-6300) succeeded for it.
// The swagger gives that route 200, 400 "Parameter Error" and 401
// "Unauthorized", and says nothing of how the server remembers the login
// or what the download answers before it; the seed's code table has 73
// "Not allowed without PIN" and 84 "Failed PIN"
// (shared/seeds/quatrix-api-reference.txt:196,208). What the sandbox
// assumes is rule Q-SHARE-PIN-* in docs/protocols/quatrix.md, all
// "document only".

// pinCookie is the cookie a successful PIN login sets (Q-SHARE-PIN-LOGIN:
// an assumption; the real server's mechanism is not documented). Its value
// is an opaque grant naming the shares unlocked with it.
const pinCookie = "share_pin"

// shareLoginPinReq is ShareLoginPinReq: id and pin are required.
type shareLoginPinReq struct {
	ID  *string `json:"id"`
	Pin *string `json:"pin"`
}

// decodePin reads a pin field: standard padded base64 of at least one byte
// (Q-SHARE-PIN-FORMAT: "format: base64"; an empty PIN is refused rather
// than read as "no PIN", which would leave the share open).
func decodePin(v string) ([]byte, *apiError) {
	b, err := base64.StdEncoding.Strict().DecodeString(v)
	if err != nil {
		return nil, errf(400, codeBadParameter, "pin must be the PIN encoded in base64")
	}
	if len(b) == 0 {
		return nil, errf(400, codeBadParameter, "pin must not be empty")
	}
	return b, nil
}

// shareLoginPin is POST /share/login-pin (Q-SHARE-PIN-LOGIN): 200 with
// the pin cookie when the PIN is the share's, 401 code 84 when it is not
// (or the share is unknown: the answer does not say which), 400 for a
// malformed request. It needs no credentials: a public share's visitor
// has none (the swagger leaves the route under the global api_key, but
// what the server checks is unknown, so the sandbox takes either).
func (a *API) shareLoginPin(w http.ResponseWriter, r *http.Request) {
	var req shareLoginPinReq
	if e := a.decodeBody(r, &req); e != nil {
		writeError(w, e)
		return
	}
	if e := checkUUID("id", req.ID, true); e != nil {
		writeError(w, e)
		return
	}
	if req.Pin == nil {
		writeError(w, errf(400, codeMissingParameter, "missing parameter %q", "pin"))
		return
	}
	pin, e := decodePin(*req.Pin)
	if e != nil {
		writeError(w, e)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	rec, ok := a.shares[*req.ID]
	if !ok || (rec.pin != nil && subtle.ConstantTimeCompare(rec.pin, pin) != 1) {
		writeError(w, errf(401, codeFailedPin, "wrong PIN for this share"))
		return
	}
	grant := ""
	if c, err := r.Cookie(pinCookie); err == nil && a.pinGrants[c.Value] != nil {
		grant = c.Value
	} else {
		grant = sandbox.NewID()
		a.pinGrants[grant] = map[string]bool{}
	}
	a.pinGrants[grant][*req.ID] = true
	http.SetCookie(w, &http.Cookie{
		Name: pinCookie, Value: grant, Path: "/api/1.0/share/",
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
	w.WriteHeader(http.StatusOK)
}

// pinUnlocked reports whether r may download share id: it has no PIN, or
// r carries a pin cookie whose grant includes it (Q-SHARE-PIN-DOWNLOAD).
// The caller holds a.mu.
func (a *API) pinUnlocked(r *http.Request, id string, rec shareRec) bool {
	if rec.pin == nil {
		return true
	}
	for _, c := range r.CookiesNamed(pinCookie) {
		if a.pinGrants[c.Value][id] {
			return true
		}
	}
	return false
}

package selfcommunity

import (
	"net/http"
	"strings"
)

// auth returns the user of the request's Bearer token. Missing or unknown
// tokens are 401 not_authenticated, the DRF code the notes name. Rule
// sc.auth (selfcommunity/community-js@0918bfbad504
// packages/react-ui/src/shared/MessageChunkUploader/index.ts:202).
func (a *API) auth(r *http.Request) (User, *apiError) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return User{}, statusError(http.StatusUnauthorized, "not_authenticated",
			"Authentication credentials were not provided.")
	}
	u, ok := a.byToken[strings.TrimSpace(tok)]
	if !ok {
		return User{}, statusError(http.StatusUnauthorized, "not_authenticated",
			"Given token not valid for any token type")
	}
	return u, nil
}

// methodNotAllowed is DRF's 405 answer (rule sc.method, inferred).
func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	statusError(http.StatusMethodNotAllowed, "method_not_allowed", `Method "`+r.Method+`" not allowed.`).write(w)
}

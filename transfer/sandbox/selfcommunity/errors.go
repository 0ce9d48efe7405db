package selfcommunity

import (
	"net/http"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// codeAlreadyDone is the error code, on the uuid field, of a request that
// names a finalized upload: a second done (switch selfcommunity.redone) or
// a part sent after done. The real service's code is not public; clients
// that tell a lost done answer from an unknown uuid key on it.
const codeAlreadyDone = "already_done"

// errItem is one entry of the service's error body (rule sc.errors,
// selfcommunity/community-js@0918bfbad504
// packages/api-services/src/utils/http.ts:22-24,35-36).
type errItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// apiError is an error answer: a status and its items.
type apiError struct {
	status int
	items  []errItem
}

func (e *apiError) Error() string {
	if len(e.items) == 0 {
		return http.StatusText(e.status)
	}
	return e.items[0].Message
}

func fieldError(field, code, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, items: []errItem{{Code: code, Message: msg, Field: field}}}
}

func statusError(status int, code, msg string) *apiError {
	return &apiError{status: status, items: []errItem{{Code: code, Message: msg}}}
}

// write sends e as {"errors":[...]}.
func (e *apiError) write(w http.ResponseWriter) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
	}
	sandbox.WriteJSON(w, e.status, map[string][]errItem{"errors": e.items})
}

func internalError(err error) *apiError {
	return statusError(http.StatusInternalServerError, "server_error", "sandbox: "+err.Error())
}

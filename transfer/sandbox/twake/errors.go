package twake

import (
	"net/http"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// writeError writes Fastify's error serialisation (TW-ERR-1).
func writeError(w http.ResponseWriter, status int, msg string) {
	sandbox.WriteJSON(w, status, errorBody{StatusCode: status, Error: http.StatusText(status), Message: msg})
}

// writeInternal is the answer to any thrown Error on the real server
// (TW-ERR-1: linagora/Twake@39f533e5e838 twake/backend/node/src/core/platform/services/webserver/error.ts:7-15).
func writeInternal(w http.ResponseWriter) {
	sandbox.WriteJSON(w, http.StatusInternalServerError, errorBody{
		StatusCode: 500, Error: "Internal Server Error", Message: "Something went wrong", RequestID: sandbox.NewID(),
	})
}

// writeStrict rejects a request a strict check refused; the message names
// the rule so a client author can find it in the notes.
func writeStrict(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "sandbox strict: "+msg)
}

// handleNotFound is the real not-found handler's answer for any unknown
// route below the service prefixes (including wrong methods) (TW-ROUTE-1:
// core/platform/services/webserver/index.ts:117-128).
func (a *API) handleNotFound(w http.ResponseWriter, _ *http.Request) {
	sandbox.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "Not found"})
}

// writeUnknownFile answers for a file id the company does not have: 500
// on Twake (a thrown Error), 404 on Twake Drive legacy (CrudException)
// (TW-UNKNOWN-1: services/files/services/index.ts:59-61; TDL
// services/files/services/index.ts:300).
func (a *API) writeUnknownFile(w http.ResponseWriter) {
	if a.tdrive() {
		writeError(w, http.StatusNotFound, "File not found")
		return
	}
	writeInternal(w)
}

package twake

import "net/http"

// CORS as fastify-cors (^4.1.0) registers it with the configured
// {"origin": "*"} (rule TW-CORS-1: linagora/Twake@39f533e5e838
// twake/backend/node/src/core/platform/services/webserver/index.ts:104,
// twake/backend/node/config/default.json:59-61; header values: document
// only (fastify-cors README and tests)): every answer carries
// Access-Control-Allow-Origin: *, and an OPTIONS preflight is answered 204
// with the default methods and the requested headers reflected, before any
// route or authentication runs. No credentials, no max-age.

const corsMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"

// withCORS adds Access-Control-Allow-Origin to every answer of h.
func withCORS(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		h(w, r)
	}
}

// handlePreflight answers an OPTIONS request below the service prefixes.
func handlePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", corsMethods)
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
}

package selfcommunity

import "net/http"

// cors lets a browser page of another origin call the API, as the
// official web client does: community-js runs in the community's pages
// and calls the API origin its settings name (settings.portal,
// selfcommunity/community-js@0918bfbad504
// packages/react-ui/src/shared/MessageChunkUploader/index.ts:199), with an
// Authorization header, so every call is preceded by a preflight. Rule
// sc.cors (inferred: the server's CORS settings are not public). A request
// with an Origin gets it echoed back; an OPTIONS preflight is answered
// 204 with the methods and the headers the clients send.
func cors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			h.ServeHTTP(w, r)
			return
		}
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", origin)
		hd.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Range, Content-Disposition, Accept, X-Requested-With")
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Package sandbox is a local server that speaks the four upload
// APIs Ferry supports, for tests, for `ferry sandbox`, and as the first-run
// local target. It is one HTTP(S) server on loopback with:
//
//   - a Store: one folder/file tree per API namespace, file contents as
//     blobs on disk that appear atomically (temp file, fsync, rename, then
//     linked into the tree under the store lock), their sums computed on
//     first need, not as bytes arrive (sum.go); each node's tree fields in
//     memory in a compact form (node.go), its link, content and Meta in a
//     record file beside the blobs (noderec.go);
//   - fault injection (FaultProfile): 5xx and 429 rates, connection resets
//     mid-body, latency, a bandwidth cap on request bodies, and an "expire"
//     rate the APIs consult through Env.Expire;
//   - optional TLS with a certificate generated per run (pin
//     Server.CertFingerprint);
//   - inspection routes under /_sandbox/ (tree, log, stats, credentials,
//     sink) that are never faulted, with the same data available from Go
//     (Server.Tree, Log, Stats).
//
// # Writing an API
//
// Each service lives in a subpackage (transfer/sandbox/filesro, .../quatrix,
// .../twake, .../selfcommunity) that implements API and never imports the
// others. A minimal one:
//
//	type API struct{ token string; env *sandbox.Env }
//
//	func (a *API) Name() string { return "example" }
//
//	func (a *API) Mount(mux *http.ServeMux, env *sandbox.Env) {
//		a.env = env
//		mux.HandleFunc("POST /api/upload/{name}", a.upload)
//	}
//
//	func (a *API) Credentials() []sandbox.Credential {
//		return []sandbox.Credential{{Kind: "token", Name: "default", Value: a.token}}
//	}
//
//	func (a *API) upload(w http.ResponseWriter, r *http.Request) {
//		st := a.env.Store
//		b, err := st.NewBlob()
//		if err != nil { ... 500 ... }
//		if _, err := b.ReadFrom(r.Body); err != nil { b.Discard(); ... }
//		n, err := st.Commit(a.Name(), st.Root(a.Name()).ID, r.PathValue("name"), b,
//			sandbox.CommitOptions{Conflict: sandbox.ConflictRename})
//		...
//		sandbox.WriteJSON(w, http.StatusCreated, map[string]string{"id": n.ID})
//	}
//
// Rules for APIs:
//
//   - Use the API's Name as the Store namespace; keep sessions (upload
//     keys, partial Blobs) in the API value behind its own mutex.
//   - By default an API behaves as the real server's code does, quirks
//     and crashes included, and each rule names its source in a comment
//     and in docs/protocols/<service>.md. Checks stricter than
//     the real service ask env.Switches.On("<api>.<check>") (default:
//     Config.Strict); real limits that would slow tests (rate limits) ask
//     env.Switches.OnDefault("<api>.<check>", false).
//   - Where sessions can expire, call env.Expire() when a request names a
//     session; on true, forget it and answer as for an unknown session.
//   - Register tokens issued at run time with env.Redact so the request
//     log hides them; Credentials values are hidden automatically.
//   - Answer errors with the service's own status and body shape
//     (WriteJSON helps); the sandbox core adds nothing to API responses.
//   - Never block forever: handlers run on server goroutines and Close
//     cuts connections, so honour r.Context().
//
// Tests start a server with New(Config{APIs: ..., Strict: true}), Start,
// use BaseURL (and CertFingerprint with TLS: true), check results with
// Tree and Log, and Close.
package sandbox

package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// API is one service the sandbox speaks. Implementations live in sibling
// subpackages (transfer/sandbox/filesro, .../quatrix, ...) and are passed to
// New through Config.APIs; the sandbox core never imports them.
type API interface {
	// Name is the API's namespace in the store, the log and the stats
	// ("filesro", "quatrix", ...). It must be unique within one server and
	// match [a-z0-9]+.
	Name() string

	// Mount registers the API's routes on mux with Go 1.22 method+path
	// patterns ("POST /api/v1/shares/{token}/uploads"). Each API gets its
	// own mux, so patterns of different APIs never conflict; a request goes
	// to the first API (in Config.APIs order) with a matching pattern.
	// Mount is called once, from New, before the server accepts requests;
	// env stays valid for the life of the server. Handlers run on the HTTP
	// server's goroutines, concurrently.
	Mount(mux *http.ServeMux, env *Env)

	// Credentials lists what a client needs to talk to this API (tokens,
	// user names, passwords, share links). `ferry sandbox` prints them and
	// the request log redacts every Value wherever it appears in a URL.
	// It is called after Mount.
	Credentials() []Credential
}

// Credential is one value a client needs, e.g. {Kind: "share-token",
// Name: "editor", Value: "k3j..."}.
type Credential struct {
	API   string `json:"api"`   // filled in by the server from API.Name
	Kind  string `json:"kind"`  // "token", "password", "user", "share-token", ...
	Name  string `json:"name"`  // which account or share it belongs to
	Value string `json:"value"` // the secret or identifier itself
	Note  string `json:"note,omitempty"`
}

// Env is the set of shared services an API uses. It is created by New and
// handed to Mount; all methods are safe for concurrent use.
type Env struct {
	// Store holds the file trees and blobs of every API (one namespace each).
	Store *Store
	// Switches turns the checks that are stricter than the real service on
	// or off; see Switches.On.
	Switches Switches
	// Now is the clock for timestamps and expiry; time.Now unless the test
	// replaced it in Config.Now.
	Now func() time.Time

	srv *Server
}

// BaseURL is the server's scheme://host:port without a trailing slash. It is
// empty until the server listens.
func (e *Env) BaseURL() string { return e.srv.BaseURL() }

// Expire draws the "expire" fault: when it returns true the API should act
// as if the session or upload key the request names had expired (forget it
// and answer exactly as the real service does for an unknown session). It
// is deterministic for a given seed and request order, and counted in the
// stats. It always returns false when the profile has no expire rate.
func (e *Env) Expire() bool { return e.srv.faults.drawExpire() }

// Redact registers a secret issued at run time (a session cookie, an access
// token) so the request log hides it wherever it appears in a URL. Values
// from Credentials are registered automatically.
func (e *Env) Redact(secret string) { e.srv.log.addSecret(secret) }

// WriteJSON writes v as a JSON response with the given status. An encoding
// failure is a programming error in the API and panics (net/http turns it
// into a closed connection and logs it).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sandbox: encode response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body) // a client that went away is not the server's problem
}

// Switches turns optional checks on or off by name. Names are
// "<api>.<check>", e.g. "filesro.accept". A check stricter than the real
// service asks On (default: All); a check that exists on the real service
// but would slow tests down (a rate limit) asks OnDefault with false.
type Switches struct {
	All   bool            // default for On
	Named map[string]bool // explicit settings, win over All and defaults
}

// On reports whether the named strict check is enabled: its explicit
// setting if any, else All.
func (s Switches) On(name string) bool { return s.OnDefault(name, s.All) }

// OnDefault reports the named switch's explicit setting, or def.
func (s Switches) OnDefault(name string, def bool) bool {
	if v, ok := s.Named[name]; ok {
		return v
	}
	return def
}

// String lists the explicit settings in the form ParseSwitches reads.
func (s Switches) String() string {
	var parts []string
	for k, v := range s.Named {
		parts = append(parts, fmt.Sprintf("%s=%t", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// ParseSwitches reads "filesro.accept=off,filesro.ratelimit=on" (values
// on/off/true/false/1/0) into s.Named, keeping s.All. An empty string is no
// change; a malformed item is an error naming it.
func ParseSwitches(s Switches, spec string) (Switches, error) {
	out := Switches{All: s.All, Named: map[string]bool{}}
	for k, v := range s.Named {
		out.Named[k] = v
	}
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return s, fmt.Errorf("parse switches: %q is not name=on|off", item)
		}
		switch strings.ToLower(strings.TrimSpace(val)) {
		case "on", "true", "1", "yes":
			out.Named[strings.TrimSpace(name)] = true
		case "off", "false", "0", "no":
			out.Named[strings.TrimSpace(name)] = false
		default:
			return s, fmt.Errorf("parse switches: %q: value must be on or off", item)
		}
	}
	return out, nil
}

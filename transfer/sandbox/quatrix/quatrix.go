// Package quatrix is the sandbox's Quatrix REST API 1.0 (protocols/quatrix.md).
//
// It serves /api/1.0/... and the upload data endpoints at the host root
// (/upload/chunked/{key}, /upload/multipart/{key}), with session logins
// (15-minute idle expiry), API keys, per-user home folders, placeholders
// created by /upload/link that stay of kind placeholder until finalize, and
// every check of the notes' section 11. Checks stricter than the real
// service are switches (see the Switch* constants), on when the sandbox
// runs strict. Files are stored in the core's Store under the "quatrix"
// namespace, one folder per user (named after the email) as its home.
//
// Not implemented, and answered visibly (404 code 20 for unknown routes,
// 400 code 21 for unsupported options): the MFA second login step,
// API-key management, zip downloads of several ids, shares beyond a
// one-file public link (with or without a PIN), search. The
// rule table with each rule's source is docs/protocols/quatrix.md.
package quatrix

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Name is the API's namespace in the sandbox.
const Name = "quatrix"

// Switches for checks stricter than the real service (on with Strict).
const (
	// SwitchContentType requires Content-Type: application/json on JSON
	// POSTs; production evidently accepts JSON without it (C# SDK).
	SwitchContentType = "quatrix.contenttype"
	// SwitchRangeEnd requires end == start+len-1 in Content-Range;
	// production ignores the end (rclone sent an exclusive end for years).
	SwitchRangeEnd = "quatrix.rangeend"
	// SwitchChunkAuth requires an auth header present on a chunk POST to
	// be valid and to belong to the user who created the key.
	SwitchChunkAuth = "quatrix.chunkauth"
	// SwitchKeyAbsolute makes the upload key TTL count from the key's
	// creation instead of from its last chunk (Config.KeyTTLAbsolute does
	// the same). Which one production uses is unknown; off by default.
	SwitchKeyAbsolute = "quatrix.keyabsolute"
	// SwitchLoginLimit enforces 15 logins per 15 minutes per user. It is a
	// real rule but off by default, since it slows tests down.
	SwitchLoginLimit = "quatrix.loginlimit"
	// SwitchTrailingSpace refuses names ending in a space (400 code 10).
	// The evidence that production refuses them is weak (see
	// trailingSpaceError), so only strict runs check it.
	SwitchTrailingSpace = "quatrix.trailingspace"
	// SwitchResolveMode refuses a copyone/moveone resolve_mode other than
	// "" and "overwrite" (the only values rclone sends); the default
	// treats any other value as a rename, like resolve without a mode.
	SwitchResolveMode = "quatrix.resolvemode"
)

// User is an account the sandbox accepts.
type User struct {
	Email, Password string
	// MFA makes login answer 207 with Mfa-Code 71: the account requires a
	// second factor, which the sandbox does not implement further.
	MFA bool
	// MaxFileSize (profile max_file_size) bounds one upload; 0 means none.
	MaxFileSize int64
	// Quota is the user's own storage limit (profile/info user_limit); 0
	// means none, so the account's limit applies (user_limit -1).
	Quota int64
}

// APIKey is an API key and the user it acts for.
type APIKey struct {
	Key, Email string
}

// Config configures the API. The zero value gets two users (one plain, one
// requiring MFA) with random passwords and one API key, all listed by
// Credentials.
type Config struct {
	Users   []User
	APIKeys []APIKey
	// SessionIdle is the session idle expiry, default 15 minutes.
	SessionIdle time.Duration
	// KeyTTL is the upload key lifetime, default 15 minutes; sliding (reset
	// by every chunk) unless KeyTTLAbsolute.
	KeyTTL         time.Duration
	KeyTTLAbsolute bool
	// UnknownKeyStatus and ExpiredKeyStatus are the unverified HTTP
	// statuses for an unknown (code 20) or expired (code 60) upload key;
	// defaults 404 and 400.
	UnknownKeyStatus, ExpiredKeyStatus int
	// LoginLimit logins per LoginWindow per user when SwitchLoginLimit is
	// on; defaults 15 per 15 minutes.
	LoginLimit  int
	LoginWindow time.Duration
	// AccountLimit is the storage bought for the whole account
	// (profile/info acc_limit), shared by every user; default 1 TiB. A
	// real account always has one (Q-QUOTA-ACC).
	AccountLimit int64
}

// API is the Quatrix sandbox API. Create it with New and pass it to
// sandbox.Config.APIs. Its test hooks are safe to call from any goroutine.
type API struct {
	cfg   Config
	env   *sandbox.Env
	users map[string]*account // by email
	keys  map[string]*account // API key -> account

	mu         sync.Mutex // guards the fields below
	sessions   map[string]*sessionRec
	uploads    map[string]*upload // open upload keys, by key
	pruned     time.Time          // when prune last walked uploads
	links      map[string]downloadRec
	shares     map[string]shareRec
	shareLinks map[string]string          // download link id -> share id
	pinGrants  map[string]map[string]bool // pin cookie -> share ids unlocked (sharepin.go)
	logins     map[string][]time.Time
	faults     []chunkFault
	counts     Counts
}

// Counts are what the API has seen, for tests.
type Counts struct {
	Logins, KeepAlives, Chunks, Finalizes, MakeDirs int
}

type account struct {
	User
	id, home, trash string
}

// New validates cfg and returns the API (not yet mounted).
func New(cfg Config) (*API, error) {
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 15 * time.Minute
	}
	if cfg.KeyTTL == 0 {
		cfg.KeyTTL = 15 * time.Minute
	}
	if cfg.UnknownKeyStatus == 0 {
		cfg.UnknownKeyStatus = http.StatusNotFound
	}
	if cfg.ExpiredKeyStatus == 0 {
		cfg.ExpiredKeyStatus = http.StatusBadRequest
	}
	if cfg.LoginLimit == 0 {
		cfg.LoginLimit = 15
	}
	if cfg.LoginWindow == 0 {
		cfg.LoginWindow = 15 * time.Minute
	}
	if cfg.AccountLimit == 0 {
		cfg.AccountLimit = 1 << 40
	}
	if len(cfg.Users) == 0 {
		cfg.Users = []User{
			{Email: "user@example.com", Password: sandbox.NewID()},
			{Email: "mfa@example.com", Password: sandbox.NewID(), MFA: true},
		}
		if len(cfg.APIKeys) == 0 {
			cfg.APIKeys = []APIKey{{Key: sandbox.NewID(), Email: "user@example.com"}}
		}
	}
	a := &API{
		cfg: cfg, users: map[string]*account{}, keys: map[string]*account{},
		sessions: map[string]*sessionRec{}, uploads: map[string]*upload{}, links: map[string]downloadRec{}, shares: map[string]shareRec{}, shareLinks: map[string]string{}, pinGrants: map[string]map[string]bool{}, logins: map[string][]time.Time{},
	}
	for _, u := range cfg.Users {
		if u.Email == "" || u.Password == "" || nameError(u.Email) != "" {
			return nil, fmt.Errorf("quatrix sandbox config: user %q needs a valid email and a password", u.Email)
		}
		if a.users[u.Email] != nil {
			return nil, fmt.Errorf("quatrix sandbox config: user %q listed twice", u.Email)
		}
		a.users[u.Email] = &account{User: u, id: sandbox.NewID()}
	}
	for _, k := range cfg.APIKeys {
		acc := a.users[k.Email]
		if acc == nil || k.Key == "" {
			return nil, fmt.Errorf("quatrix sandbox config: API key for unknown user %q", k.Email)
		}
		a.keys[k.Key] = acc
	}
	return a, nil
}

// Name returns "quatrix".
func (a *API) Name() string { return Name }

// Credentials lists every user's email and password and every API key.
func (a *API) Credentials() []sandbox.Credential {
	var out []sandbox.Credential
	for _, u := range a.cfg.Users {
		note := "session login (GET /api/1.0/session/login with Basic auth)"
		if u.MFA {
			note = "requires two-factor authentication: login answers 207"
		}
		out = append(out,
			sandbox.Credential{Kind: "user", Name: u.Email, Value: u.Email, Note: note},
			sandbox.Credential{Kind: "password", Name: u.Email, Value: u.Password})
	}
	for _, k := range a.cfg.APIKeys {
		out = append(out, sandbox.Credential{Kind: "api-key", Name: k.Email, Value: k.Key, Note: "Authorization: Bearer"})
	}
	return out
}

// Mount creates every user's home and trash folder and registers the routes.
func (a *API) Mount(mux *http.ServeMux, env *sandbox.Env) {
	a.env = env
	root := env.Store.Root(Name)
	for _, acc := range a.users {
		home, _, err := env.Store.EnsureFolder(Name, root.ID, acc.Email)
		if err != nil {
			panic(fmt.Sprintf("quatrix sandbox: create home of %s: %v", acc.Email, err))
		}
		if _, err := env.Store.Update(Name, home.ID, func(n *sandbox.Node) {
			n.Meta = map[string]string{metaType: typeDir, metaSubType: "homes"}
		}); err != nil {
			panic(fmt.Sprintf("quatrix sandbox: mark home of %s: %v", acc.Email, err))
		}
		trash, _, err := env.Store.EnsureFolder(Name, home.ID, "Trash")
		if err != nil {
			panic(fmt.Sprintf("quatrix sandbox: create trash of %s: %v", acc.Email, err))
		}
		if _, err := env.Store.Update(Name, trash.ID, func(n *sandbox.Node) {
			n.Meta = map[string]string{metaType: typeTrash, metaSubType: "trash"}
		}); err != nil {
			panic(fmt.Sprintf("quatrix sandbox: mark trash of %s: %v", acc.Email, err))
		}
		acc.home, acc.trash = home.ID, trash.ID
	}
	a.routes(mux)
}

// HomeID returns the home folder id of email ("" for an unknown user).
func (a *API) HomeID(email string) string {
	if acc := a.users[email]; acc != nil {
		return acc.home
	}
	return ""
}

// ExpireSessions forces every session to expire now: the next API call
// with it gets 401, while chunk POSTs still work with their upload key.
func (a *API) ExpireSessions() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.sessions)
}

// ExpireUploadKeys forces every open upload key to expire now (code 60).
func (a *API) ExpireUploadKeys() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, u := range a.uploads {
		u.expired = true
	}
}

// Counts returns what the API has served so far.
func (a *API) Counts() Counts {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counts
}

// OpenUploads returns the number of upload keys not yet finalized,
// expired or invalidated.
func (a *API) OpenUploads() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, u := range a.uploads {
		if !u.done && !u.expired && !a.keyExpired(u) {
			n++
		}
	}
	return n
}

// chunkFault is a programmed failure of the nth chunk POST from now.
type chunkFault struct {
	n          int           // countdown: fires when it reaches 1
	status     int           // answer status; 0 means drop the connection mid-body
	retryAfter time.Duration // Retry-After header, 0 for none
}

// FailChunk makes the nth chunk POST from now (1 = the next one) answer
// status (e.g. 429 or 503) with an optional Retry-After, without storing
// its bytes.
func (a *API) FailChunk(n, status int, retryAfter time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults = append(a.faults, chunkFault{n: n, status: status, retryAfter: retryAfter})
}

// ResetChunk makes the nth chunk POST from now read half its body and then
// drop the connection without an answer; the bytes read are not kept.
func (a *API) ResetChunk(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults = append(a.faults, chunkFault{n: n})
}

// nextFault counts one chunk POST and returns the fault due for it.
func (a *API) nextFault() (chunkFault, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.counts.Chunks++
	var due chunkFault
	found := false
	kept := a.faults[:0]
	for _, f := range a.faults {
		if f.n <= 1 && !found {
			due, found = f, true
			continue
		}
		f.n--
		kept = append(kept, f)
	}
	a.faults = kept
	return due, found
}

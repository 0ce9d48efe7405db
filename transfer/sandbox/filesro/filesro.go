// Package filesro is the sandbox's files.ro share upload API. files.ro's
// server is VueFileManager (VFM); the default behaviour models VFM's code
// (VueFileManager/vuefilemanager@5ba4bf347880) rule by rule, quirks
// included. Every rule carries its id and source in a comment next to its
// code; the table is docs/protocols/filesro.md.
//
// Routes:
//
//	POST /api/v1/shares/{token}/uploads          files.ro's documented route: chunked (chunk + is_last_chunk) or simple (file) upload
//	POST /api/sharing/upload/chunks/{token}      VFM chunked upload (routes/share.php:21)
//	POST /api/sharing/upload/{token}             VFM simple upload (routes/share.php:22)
//	POST /api/sharing/authenticate/{token}       VFM share password => share_session cookie (routes/share.php:32)
//	GET  /file/{basename}                        the file_url of an uploaded file (no auth in the sandbox)
//
// files.ro documents no share-password route; the sandbox serves VFM's
// only (the /api/v1/shares/{token}/authenticate path Ferry once used is in
// no source).
//
// Real quirks a client must survive, on by default:
//
//   - Folders from path are looked up, then created, with no lock
//     (GetFileParentId): concurrent last chunks into a new path create
//     duplicate folders of one name (switch filesro.folderrace, on; see
//     parentFolders).
//   - A second file of one name is a second file of that same name: nothing
//     is renamed or refused.
//   - The MIME blacklist is checked on every chunk, on halves of the type.
//
// Deviations from the real service, all visible rather than silent:
//
//   - The store keys names per folder: a second folder or file of one name
//     is stored as "name (sandbox duplicate N)" with the real name in its
//     Meta; every answer carries the real name, only the inspection tree
//     shows the marker.
//   - A path segment that is empty, "." or "..", or a name containing "/",
//     would be stored as is by the real server; the sandbox answers 422
//     with a "sandbox:" message instead.
//   - A malformed multipart body (or one that breaks off) is 400 with the
//     parser's message; PHP would drop the broken parts and Laravel would
//     then report missing fields (422).
//   - Folder names match exactly; MySQL's usual collation would match
//     them case-insensitively [inference].
//   - The "expire" fault is not used: the real server never expires chunk
//     keys.
//
// Switches. Stricter than real (Config.Strict turns these on):
//
//	filesro.accept       require Accept: application/json on every request
//	filesro.concurrent   refuse a second request for a chunk key still in progress
//	filesro.samefields   refuse chunks whose name/extension/path/parent_id differ from the key's first chunk
//
// Named only (Config.Strict leaves them as they are):
//
//	filesro.folderrace   the real lookup-then-create race of folders (default on; off = atomic)
//	filesro.ratelimit    100 requests per minute per IP, as the real service (default off, so tests run fast)
//	filesro.pathrequired path required, as files.ro's document says (default off; VFM: sometimes)
//	filesro.emptyrefused refuse a zero-byte chunk (default off; tests the client's other path)
package filesro

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Permission of a share.
const (
	PermEditor  = "editor"
	PermVisitor = "visitor"
)

// Share is one shared folder a client uploads into through its token.
type Share struct {
	// Name labels the share in Credentials and is the name of its folder
	// under the namespace root.
	Name string
	// Token is the share's 16-character token; generated when empty.
	Token string
	// Permission is PermEditor (may upload) or PermVisitor (403).
	Permission string
	// Password, when set, makes the share protected: uploads need the
	// share_session cookie from the authenticate route.
	Password string
}

// Options configure the API. The zero value has the three DefaultShares,
// no limits and the files.ro paths plus the VFM paths.
type Options struct {
	Shares []Share
	// UploadLimit is the largest finished file in bytes (413 at
	// finalize); 0 means none.
	UploadLimit int64
	// Quota is the share owner's storage in bytes; a finished file that
	// does not fit is 401 {"type":"error"} and deleted. 0 means none.
	Quota int64
	// MaxRequestBody caps one request body (a proxy's or PHP's
	// post_max_size): larger is 413 before anything is stored [R-postsize]
	// (Laravel's ValidatePostSize, global middleware in
	// VueFileManager/vuefilemanager@5ba4bf347880 src/App/Http/Kernel.php:35).
	// 0 = none.
	MaxRequestBody int64
	// UploadMaxFilesize is PHP's upload_max_filesize: a file part larger
	// than it reaches Laravel as a failed upload, 422 "The chunk failed to
	// upload." [R-ini]. 0 = none.
	UploadMaxFilesize int64
	// DisabledMimetypes lists sniffed MIME types (http.DetectContentType,
	// e.g. "application/x-gzip") refused in any chunk with 422.
	DisabledMimetypes []string
	// EmptyRelationships makes 201 bodies carry "relationships": [] (what
	// Laravel emits when no relation is loaded) instead of an object.
	EmptyRelationships bool
	// RateLimit is the number of requests per minute per IP when the
	// filesro.ratelimit switch is on; default 100.
	RateLimit int
	// FolderRaceWindow is how long a folder lookup's "none" stays true
	// before the folder is created, under the filesro.folderrace switch
	// (on by default); DefaultFolderRaceWindow when 0. See parentFolders.
	FolderRaceWindow time.Duration
}

// DefaultShares returns an editor, a visitor and a password-protected
// editor share with random tokens and password.
func DefaultShares() []Share {
	return []Share{
		{Name: "editor", Permission: PermEditor},
		{Name: "visitor", Permission: PermVisitor},
		{Name: "protected", Permission: PermEditor, Password: randomString(12)},
	}
}

// API is the files.ro sandbox API. Create it with New.
type API struct {
	opt Options
	env *sandbox.Env

	shares   map[string]*share // by token; fixed after New
	order    []*share
	throttle *rateLimiter

	fin      sync.Mutex // serialises quota checks
	folderMu sync.Mutex // makes folder lookup+create atomic when filesro.folderrace is off

	mu       sync.Mutex             // guards sessions, cookies, files and folders
	sessions map[string]*session    // chunk key -> append state, across all shares
	cookies  map[string]string      // issued share_session nonce -> share token
	files    fileIndex              // basename -> node id, for file_url downloads
	folders  map[folderKey][]string // folders createFolder made, by parent and service name (lookupFolder)
}

type share struct {
	Share
	folder string // id of the shared folder, set by Mount
}

// New validates opt and returns the API.
func New(opt Options) (*API, error) {
	if opt.Shares == nil {
		opt.Shares = DefaultShares()
	}
	if opt.RateLimit == 0 {
		opt.RateLimit = 100
	}
	if opt.FolderRaceWindow == 0 {
		opt.FolderRaceWindow = DefaultFolderRaceWindow
	}
	a := &API{opt: opt, shares: map[string]*share{}, sessions: map[string]*session{}, cookies: map[string]string{}, files: fileIndex{}, folders: map[folderKey][]string{}}
	names := map[string]bool{}
	for _, s := range opt.Shares {
		if s.Token == "" {
			s.Token = randomString(16)
		}
		switch {
		case s.Name == "" || names[s.Name]:
			return nil, fmt.Errorf("new filesro api: share name %q is empty or used twice", s.Name)
		case a.shares[s.Token] != nil:
			return nil, fmt.Errorf("new filesro api: share %q: token used twice", s.Name)
		case s.Permission != PermEditor && s.Permission != PermVisitor:
			return nil, fmt.Errorf("new filesro api: share %q: permission %q is not editor or visitor", s.Name, s.Permission)
		}
		names[s.Name] = true
		sh := &share{Share: s}
		a.shares[s.Token] = sh
		a.order = append(a.order, sh)
	}
	if opt.UploadLimit < 0 || opt.Quota < 0 || opt.MaxRequestBody < 0 || opt.UploadMaxFilesize < 0 || opt.RateLimit < 0 || opt.FolderRaceWindow < 0 {
		return nil, errors.New("new filesro api: limits must not be negative")
	}
	a.throttle = newRateLimiter(opt.RateLimit)
	return a, nil
}

// Name is the store namespace, "filesro".
func (a *API) Name() string { return "filesro" }

// Mount creates each share's folder and registers the routes.
func (a *API) Mount(mux *http.ServeMux, env *sandbox.Env) {
	a.env = env
	root := env.Store.Root(a.Name()).ID
	for _, s := range a.order {
		f, _, err := env.Store.EnsureFolder(a.Name(), root, s.Name)
		if err != nil {
			// Share names are validated non-empty and unique; a store that
			// cannot create a folder in its fresh root is broken.
			panic(fmt.Sprintf("filesro: create share folder %q: %v", s.Name, err))
		}
		s.folder = f.ID
	}
	mux.HandleFunc("POST /api/v1/shares/{token}/uploads", a.upload(modeAny))
	mux.HandleFunc("POST /api/sharing/upload/chunks/{token}", a.upload(modeChunked))
	mux.HandleFunc("POST /api/sharing/upload/{token}", a.upload(modeSimple))
	mux.HandleFunc("POST /api/sharing/authenticate/{token}", a.authenticate)
	mux.HandleFunc("GET /file/{basename}", a.download)
}

// Credentials lists each share's token and, for protected shares, its
// password.
func (a *API) Credentials() []sandbox.Credential {
	var out []sandbox.Credential
	for _, s := range a.order {
		out = append(out, sandbox.Credential{
			Kind: "share-token", Name: s.Name, Value: s.Token,
			Note: fmt.Sprintf("%s share; upload to /api/v1/shares/%s/uploads", s.Permission, s.Token),
		})
		if s.Password != "" {
			out = append(out, sandbox.Credential{Kind: "share-password", Name: s.Name, Value: s.Password})
		}
	}
	return out
}

// ShareByName returns the share called name (with its generated token)
// and the id of its folder; false if there is none. The folder id is set
// once the API is mounted.
func (a *API) ShareByName(name string) (Share, string, bool) {
	for _, s := range a.order {
		if s.Name == name {
			return s.Share, s.folder, true
		}
	}
	return Share{}, "", false
}

// Pending is a chunk key whose last chunk has not arrived: bytes the real
// server keeps in storage/app/chunks/<key> and never shows to users.
type Pending struct {
	Key        string
	Share      string // share name
	Bytes      int64
	InProgress int // requests for the key being received right now
}

// Pending lists the unfinished chunk keys (test hook: the protocol itself
// cannot show them).
func (a *API) Pending() []Pending {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []Pending
	for k, s := range a.sessions {
		p := Pending{Key: k, Share: s.share, InProgress: s.active}
		s.mu.Lock()
		switch {
		case s.streaming:
			p.Bytes = s.visible // the chunk being received is not appended yet
		case s.blob != nil:
			p.Bytes = s.blob.Size()
		}
		s.mu.Unlock()
		out = append(out, p)
	}
	return out
}

func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Package twake is the sandbox's Twake API: the files service
// (/internal/services/files/v1) and the part of the Twake Drive documents
// service (/internal/services/documents/v1) a desktop client needs to
// place files in folders. It follows shared/protocols/twake.md; every check
// listed in its section 1.10 is implemented, those stricter than the real
// service behind a switch named "twake.<check>" (see the Switch constants).
//
// What a test sees in the store namespace "twake":
//
//	/.chunks/{file_id}/chunk{N}  a chunk stored as an object of its own until
//	                             the file is complete (one whose place in the
//	                             file was not known yet, see assemble.go;
//	                             others are written straight into the file)
//	/files/{file_id}             the file entity: "partial" while a chunk is
//	                             missing, then "file" with the concatenation of
//	                             chunks 1..N (size, SHA-256), made atomically
//	/drive/...                   Drive folder items as folders, Drive file items
//	                             as files (a copy of the uploaded content)
//
// The /files node's Meta holds name, mime, company, user, chunks ("3/5")
// and, once every chunk is present, "complete": "true" or the "problem"
// that keeps it partial (a size mismatch, a chunk beyond N).
package twake

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Name is the API's namespace in the sandbox.
const Name = "twake"

// Switches. The strict ones (stricter than the real server) follow
// Env.Switches.On, so they are on in strict mode; TDrive is a mode that is
// off unless set explicitly.
const (
	// SwitchPath: ".../files/" (trailing slash) and company or file ids that
	// are not UUIDs answer 404 {"error":"Not found"} (the real server
	// probably treats ".../files/" as an init call, and fails on a non-UUID
	// id with a 500 from its database).
	SwitchPath = "twake.path"
	// SwitchFilePart: exactly one file part, named "file" (the real server
	// takes the first file part whatever its name).
	SwitchFilePart = "twake.filepart"
	// SwitchFormParams: 400 when a parameter appears only in the multipart
	// form (the real server ignores it and silently uses a default).
	SwitchFormParams = "twake.formparams"
	// SwitchChunkRange: chunk_number and total_chunks must be integers, with
	// 1 <= chunk_number <= total_chunks (the real server maps 0 or a missing
	// number to 1), and resumable and snake_case names must agree.
	SwitchChunkRange = "twake.chunkrange"
	// SwitchSamePlan: total_chunks, total_size, filename and type must be the
	// same on every chunk of a file (the real server keeps the first).
	SwitchSamePlan = "twake.sameplan"
	// SwitchThumbnailSync: 400 for thumbnail_sync on an init call or on a
	// multi-chunk upload, where it crashes or does nothing on the real
	// servers.
	SwitchThumbnailSync = "twake.thumbnailsync"
	// SwitchTDrive: behave like Twake Drive legacy, answering 404 instead of
	// 500 for an unknown file id.
	SwitchTDrive = "twake.tdrive"
)

// Config configures the API. The zero value is usable: it picks a random
// secret and fixed ids.
type Config struct {
	// Secret signs and verifies the HS256 JWTs (32 random bytes when nil).
	Secret []byte
	// CompanyID is the company whose Drive the sandbox serves; file routes
	// accept any company id, like the real service.
	CompanyID string
	// UserID is the one known user (the JWT "sub").
	UserID string
	// TokenTTL is the lifetime of the token Credentials prints (ten years
	// when 0).
	TokenTTL time.Duration
}

// Default ids, fixed so that a sandbox restarted with the same secret gives
// the same credentials.
const (
	DefaultCompanyID = "1c0e4d1a-7f4b-4f36-9d1e-5a8f3b6c2d10"
	DefaultUserID    = "7d2b9c4e-1a3f-4e8b-8c6d-0f1e2a3b4c5d"
)

// API is the Twake sandbox API. Handlers run concurrently; mu guards files.
type API struct {
	cfg Config
	env *sandbox.Env

	mu    sync.Mutex
	files map[fileKey]*file

	driveRoot string // store id of /drive, the Drive "root" item
	filesDir  string // store id of /files
	chunksDir string // store id of /.chunks
}

type fileKey struct{ company, id string }

// New returns the API with cfg's defaults filled in.
func New(cfg Config) *API {
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		_, _ = rand.Read(cfg.Secret) // crypto/rand.Read never fails (it panics on a broken OS)
	}
	if cfg.CompanyID == "" {
		cfg.CompanyID = DefaultCompanyID
	}
	if cfg.UserID == "" {
		cfg.UserID = DefaultUserID
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 10 * 365 * 24 * time.Hour
	}
	return &API{cfg: cfg, files: map[fileKey]*file{}}
}

// Name returns "twake".
func (a *API) Name() string { return Name }

// CompanyID is the company whose Drive the sandbox serves.
func (a *API) CompanyID() string { return a.cfg.CompanyID }

// UserID is the known user.
func (a *API) UserID() string { return a.cfg.UserID }

// Routes, as registered (the request log's Route field).
const (
	files     = api.FilesPrefix + "/companies/{company_id}/files"
	oneFile   = files + "/{id}"
	items     = api.DocumentsPrefix + "/companies/{company_id}/item"
	RouteInit = "POST " + files
	// RouteChunk is the pattern of chunk uploads: count log entries with
	// this Route to count chunk POSTs (see ChunkPosts).
	RouteChunk    = "POST " + oneFile
	RouteGet      = "GET " + oneFile
	RouteDelete   = "DELETE " + oneFile
	RouteDownload = "GET " + oneFile + "/download"
	RouteThumb    = "GET " + oneFile + "/thumbnails/{index}"
	RouteItemPost = "POST " + items
	RouteItemGet  = "GET " + items + "/{id}"
)

// Mount registers the routes and creates the /files, /.chunks and /drive
// folders. Anything else below the two service prefixes answers 404
// {"error":"Not found"}, like the real not-found handler.
func (a *API) Mount(mux *http.ServeMux, env *sandbox.Env) {
	a.env = env
	root := env.Store.Root(Name).ID
	for name, id := range map[string]*string{"files": &a.filesDir, ".chunks": &a.chunksDir, "drive": &a.driveRoot} {
		n, _, err := env.Store.EnsureFolder(Name, root, name)
		if err != nil {
			// A fresh namespace always takes these names.
			panic(fmt.Sprintf("sandbox twake: create /%s: %v", name, err))
		}
		*id = n.ID
	}
	mux.HandleFunc(RouteInit, a.authed(a.handleInit))
	mux.HandleFunc("POST "+files+"/{$}", a.handleSlashInit)
	mux.HandleFunc(RouteChunk, a.authed(a.handleChunk))
	mux.HandleFunc(RouteGet, a.authed(a.handleGet))
	mux.HandleFunc(RouteDelete, a.authed(a.handleDelete))
	mux.HandleFunc(RouteDownload, a.handleDownload)
	mux.HandleFunc(RouteThumb, a.handleThumbnail)
	mux.HandleFunc(RouteItemPost, a.authed(a.handleItemCreate))
	mux.HandleFunc(RouteItemGet, a.authed(a.handleItemGet))
	mux.HandleFunc(api.FilesPrefix+"/", a.handleNotFound)
	mux.HandleFunc(api.DocumentsPrefix+"/", a.handleNotFound)
}

// Credentials gives the long-lived JWT, with the company and user ids in
// its note.
func (a *API) Credentials() []sandbox.Credential {
	tok, err := a.Token(a.cfg.UserID, a.env.Now().Add(a.cfg.TokenTTL))
	if err != nil {
		panic(fmt.Sprintf("sandbox twake: sign token: %v", err)) // HS256 signing cannot fail with a key
	}
	return []sandbox.Credential{{
		Kind: "token", Name: "jwt", Value: tok,
		Note: fmt.Sprintf("Bearer JWT (HS256) for user_id=%s; company_id=%s; files API below %s",
			a.cfg.UserID, a.cfg.CompanyID, api.FilesPrefix),
	}}
}

// strict reports whether a strict check is on.
func (a *API) strict(name string) bool { return a.env.Switches.On(name) }

// tdrive reports whether the API answers like Twake Drive legacy.
func (a *API) tdrive() bool { return a.env.Switches.OnDefault(SwitchTDrive, false) }

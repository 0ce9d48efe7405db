// Package twake is the sandbox's Twake API: the files service
// (/internal/services/files/v1) and the part of the Twake Drive documents
// service (/internal/services/documents/v1) a desktop client needs to
// place files in folders. Its default mode models the real servers' code
// rule by rule (linagora/Twake@39f533e5e838, linagora/twake-drive-legacy@
// 03cf4614a506), crashes included; the rule table with every rule's source
// is docs/protocols/twake.md, and each rule's id (TW-...) is cited next to
// its code. Checks stricter than the real servers run only behind a switch
// named "twake.<check>" (see the Switch constants), on under --strict.
// The wire types are the package's own (wire.go), written from the real
// entities and schemas; it imports no client code.
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
	// SwitchThumbnailSync: 400 for thumbnail_sync on an init call, which
	// has no file to wait for (the real server ignores it there). The flag
	// on chunks is real (see SwitchPreview) and never refused: the official
	// web client sends it on every chunk.
	SwitchThumbnailSync = "twake.thumbnailsync"
	// SwitchDriveItem: 400 for Drive item requests the real server accepts
	// silently but no client should send (see strictItemRefusal).
	SwitchDriveItem = "twake.driveitem"
	// SwitchPreview (a mode, on by default): the simulated preview worker
	// answers after Config.PreviewDelay. Off, it never answers, as when the
	// real preview service is down: one-chunk files under 50 MB stay
	// "waiting" and every wait for them runs its full 99 steps.
	SwitchPreview = "twake.preview"
	// SwitchInitRace (a fault, off by default): the first chunk of every
	// entity answers 500 "does not exist", as when the real server's
	// unawaited save of the init call has not landed yet.
	SwitchInitRace = "twake.initrace"
	// SwitchTDrive: behave like Twake Drive legacy, answering 404 instead of
	// 500 for an unknown file id, and never asking for previews of chunk
	// uploads (ignoreThumbnails).
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
	// PollUnit is the step of the real server's thumbnail wait, which
	// sleeps i*PollUnit before its i-th re-read, 99 times at most (real:
	// 200 ms, about 16.5 min in all). DefaultPollUnit when 0.
	PollUnit time.Duration
	// PreviewDelay is how long the simulated preview worker takes to mark
	// a one-chunk file's thumbnails "done". DefaultPreviewDelay when 0.
	PreviewDelay time.Duration
}

// The defaults scale the real thumbnail wait by 1/10 so tests stay fast:
// a file with a preview costs a wait of about 60 ms, a file whose preview
// never comes (SwitchPreview off) about 99 s.
const (
	DefaultPollUnit     = 20 * time.Millisecond
	DefaultPreviewDelay = 50 * time.Millisecond
)

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

	mu       sync.Mutex
	files    map[fileKey]*file
	interned map[string]string // company and user ids of files (see intern)

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
	if cfg.PollUnit == 0 {
		cfg.PollUnit = DefaultPollUnit
	}
	if cfg.PreviewDelay == 0 {
		cfg.PreviewDelay = DefaultPreviewDelay
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
	files     = filesPrefix + "/companies/{company_id}/files"
	oneFile   = files + "/{id}"
	items     = documentsPrefix + "/companies/{company_id}/item"
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
	// Every route answers with the CORS headers of fastify-cors (rule
	// TW-CORS-1).
	handle := func(pattern string, h http.HandlerFunc) { mux.HandleFunc(pattern, withCORS(h)) }
	handle(RouteInit, a.authed(a.handleInit))
	handle("POST "+files+"/{$}", a.handleSlashInit)
	handle(RouteChunk, a.authed(a.handleChunk))
	handle(RouteGet, a.authed(a.handleGet))
	handle(RouteDelete, a.authed(a.handleDelete))
	handle(RouteDownload, a.handleDownload)
	handle(RouteThumb, a.handleThumbnail)
	// The documents routes use authenticateOptional (rule TW-AUTH-2).
	handle(RouteItemPost, a.handleItemCreate)
	handle(RouteItemGet, a.handleItemGet)
	handle(RouteItemUpdate, a.handleItemUpdate)
	handle(filesPrefix+"/", a.handleNotFound)
	handle(documentsPrefix+"/", a.handleNotFound)
	handle("OPTIONS "+filesPrefix+"/", handlePreflight)
	handle("OPTIONS "+documentsPrefix+"/", handlePreflight)
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
			a.cfg.UserID, a.cfg.CompanyID, filesPrefix),
	}}
}

// strict reports whether a strict check is on.
func (a *API) strict(name string) bool { return a.env.Switches.On(name) }

// tdrive reports whether the API answers like Twake Drive legacy.
func (a *API) tdrive() bool { return a.env.Switches.OnDefault(SwitchTDrive, false) }

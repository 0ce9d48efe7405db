// Package twake uploads to the Twake files service
// (/internal/services/files/v1), optionally registering each file in a
// Twake Drive folder tree (/internal/services/documents/v1).
//
// The protocol (shared/protocols/twake.md): an init POST without a body
// creates a file entity and returns its id; every chunk is then a multipart
// POST to .../files/{id} with all parameters in the query string and a
// 1-based chunk_number. Chunks may arrive in any order and in parallel, and
// re-sending one overwrites it. There is no completion call: Finish reads the
// file back and compares the server's size and chunk count with the plan.
//
// The files service has no folders. With Config.DriveFolders the provider
// recreates Upload.Dir as Drive folder items and registers every uploaded
// file as a Drive file item in its folder; otherwise files are stored flat
// and the folder path is kept in the name only when Config.PathInName asks
// for it (see EncodeName).
//
// The files service lists no files and lets the client choose no id, so an
// entity whose init answer was lost cannot be found again. The provider
// keeps a small record of every entity it created until the entity is
// finished or deleted, and deletes those a dead run left behind when the
// same path is uploaded again (pending.go).
package twake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
)

// Kind is the provider's service name.
const Kind = "twake"

// Chunk size bounds. The official web client sends 50,000,000-byte chunks,
// the largest size proven to pass fastify-multipart's default limit (notes
// §1.5, §1.9); the server has no minimum, the floor only keeps the request
// count sane.
const (
	DefaultChunkSize        = 50_000_000
	MaxChunkSize            = 50_000_000
	MinChunkSize            = 64 << 10
	DefaultParallelChunks   = 4
	maxParallelChunksCap    = 16
	defaultDriveWorkspaceID = "drive"
)

// Config binds one Twake target.
type Config struct {
	// BaseURL is the server's root, e.g. "https://twake.example.com"; the
	// service prefixes are appended to it.
	BaseURL string
	// CompanyID is the company the files belong to (a UUID).
	CompanyID string
	// Token is the user's JWT access token, sent as "Bearer <token>". It is
	// a secret: never logged and never part of a session State.
	Token string
	// ChunkSize is the default chunk size (DefaultChunkSize when 0).
	ChunkSize int64
	// MaxParallelChunks bounds concurrent chunks of one file
	// (DefaultParallelChunks when 0).
	MaxParallelChunks int
	// DriveFolders recreates Upload.Dir as Twake Drive folder items and
	// registers each uploaded file as a Drive file item in its folder.
	DriveFolders bool
	// DriveRootID is the Drive folder under which Upload.Dir is created
	// ("root" when empty).
	DriveRootID string
	// PathInName, without DriveFolders, names each file after its whole
	// remote path encoded by EncodeName, so the folder structure survives
	// in the flat files service.
	PathInName bool
	// PendingDir is the folder where the provider records the file
	// entities it created until they are finished or deleted, so that an
	// entity orphaned by a crash is deleted by the next upload of the same
	// path (see pending.go). Empty means ferry/twake-pending in the user's
	// cache folder. Records hold no secret: an id and a remote path.
	PendingDir string
	// PreviewWait bounds how long one Finish waits for a Drive create the
	// server holds until the file's preview is made (DefaultPreviewWait
	// when 0; see preview.go). Keep it under the engine's stall timeout.
	PreviewWait time.Duration
	// PinSHA256 and Timeout configure the HTTP client (see rest.Options).
	PinSHA256 string
	Timeout   time.Duration
	// Now is the clock used to explain expired tokens (time.Now when nil).
	Now func() time.Time
}

// Provider is a configured Twake target. It is safe for concurrent use.
type Provider struct {
	cfg    Config
	base   string // BaseURL without trailing slashes
	client *http.Client
	// slowClient waits driveCreateTimeout for response headers: for a
	// Drive create the server holds while it waits for a preview.
	slowClient *http.Client
	// creates are the Drive creates running detached, by file id
	// (preview.go); guarded by createMu.
	createMu sync.Mutex
	creates  map[string]*createCall
	folders  *folderCache
	pending  *pendingSet
}

var _ provider.Provider = (*Provider)(nil)

// New validates cfg and returns a provider. It fails when the base URL is
// not an absolute http(s) URL, the company id or token is missing, the token
// is not a JWT, or a size or parallelism setting is out of bounds. It makes
// no request (see Check).
func New(cfg Config) (*Provider, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("twake: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("twake: base URL %q must not carry a query or fragment", cfg.BaseURL)
	}
	if strings.TrimSpace(cfg.CompanyID) == "" || strings.ContainsAny(cfg.CompanyID, "/?#") {
		return nil, fmt.Errorf("twake: company id %q is empty or contains a path character", cfg.CompanyID)
	}
	if cfg.Token == "" {
		return nil, errors.New("twake: a JWT access token is required")
	}
	if _, err := tokenExpiry(cfg.Token); err != nil {
		return nil, fmt.Errorf("twake: token: %w", err)
	}
	if cfg.ChunkSize == 0 {
		cfg.ChunkSize = DefaultChunkSize
	}
	if cfg.ChunkSize < MinChunkSize || cfg.ChunkSize > MaxChunkSize {
		return nil, fmt.Errorf("twake: chunk size %d outside %d..%d", cfg.ChunkSize, MinChunkSize, MaxChunkSize)
	}
	if cfg.MaxParallelChunks == 0 {
		cfg.MaxParallelChunks = DefaultParallelChunks
	}
	if cfg.MaxParallelChunks < 1 || cfg.MaxParallelChunks > maxParallelChunksCap {
		return nil, fmt.Errorf("twake: parallel chunks %d outside 1..%d", cfg.MaxParallelChunks, maxParallelChunksCap)
	}
	if cfg.DriveRootID == "" {
		cfg.DriveRootID = api.RootFolderID
	}
	if cfg.DriveFolders && cfg.PathInName {
		return nil, errors.New("twake: path-in-name is for flat uploads; it cannot be combined with Drive folders")
	}
	if cfg.PreviewWait == 0 {
		cfg.PreviewWait = DefaultPreviewWait
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PendingDir == "" {
		d, err := defaultPendingDir()
		if err != nil {
			return nil, fmt.Errorf("twake: %w", err)
		}
		cfg.PendingDir = d
	}
	client, err := rest.NewClient(rest.Options{PinSHA256: cfg.PinSHA256, Timeout: cfg.Timeout})
	if err != nil {
		return nil, fmt.Errorf("twake: %w", err)
	}
	slow, err := rest.NewClient(rest.Options{PinSHA256: cfg.PinSHA256, Timeout: driveCreateTimeout})
	if err != nil {
		return nil, fmt.Errorf("twake: %w", err)
	}
	p := &Provider{cfg: cfg, base: strings.TrimRight(u.String(), "/"), client: client, slowClient: slow, creates: map[string]*createCall{}}
	p.folders = newFolderCache(p)
	p.pending = newPendingSet(cfg.PendingDir, p.base, cfg.CompanyID)
	return p, nil
}

// Kind returns "twake".
func (p *Provider) Kind() string { return Kind }

// Capabilities: parallel, resumable chunks; Drive folders when enabled.
func (p *Provider) Capabilities() provider.Capabilities {
	folders := provider.FoldersNone
	if p.cfg.DriveFolders {
		folders = provider.FoldersClientCreated
	}
	return provider.Capabilities{
		MinChunkSize:      MinChunkSize,
		MaxChunkSize:      MaxChunkSize,
		DefaultChunkSize:  p.cfg.ChunkSize,
		ParallelChunks:    true,
		MaxParallelChunks: p.cfg.MaxParallelChunks,
		Resumable:         true,
		Folders:           folders,
		// Every upload creates a new file entity: nothing is ever
		// overwritten, and a Drive folder keeps both items.
		Conflicts: []provider.ConflictPolicy{provider.ConflictRename},
		// The entity Begin creates is recorded (pending.go) before Begin
		// returns, and the next Begin of the same upload deletes what a
		// dead process left: no saved session is needed before the first
		// chunk, where records can be kept.
		BeginNeedsNoSave: p.pending.dir != "",
		// With Drive folders the record goes with Finish (a Drive item
		// then points at the entity: a restart must not delete it), so a
		// kill between Finish and the queue's commit would leave a session
		// nothing saved and a second copy. The session saved after the
		// last chunk lets the restart resume instead, and Finish finds the
		// item it made.
		SaveBeforeFinish: p.pending.dir != "" && p.cfg.DriveFolders,
	}
}

// Check proves the credentials work with a real round trip: it creates an
// empty file entity and deletes it again (the real server answers that
// DELETE 500 after removing the entity; deleteForCleanup's second DELETE
// gets 404 and counts it as deleted), and with Drive folders it also
// reads the Drive root folder. An expired or wrong token yields ErrAuth.
func (p *Provider) Check(ctx context.Context) error {
	p.pending.sweep(ctx, checkKey, "", p.sweepDelete)
	f, err := p.createRecorded(ctx, "check", checkKey, nil)
	if err != nil {
		return err
	}
	if err := p.deleteForCleanup(ctx, "check", f.ID); err != nil {
		p.pending.idle(f.ID) // the next Check retries the delete
		return err
	}
	if err := p.pending.release(f.ID); err != nil {
		return &provider.Error{Kind: provider.ErrRetryable, Op: "check", Err: err}
	}
	if p.cfg.DriveFolders {
		if _, err := p.getItem(ctx, "check drive root", p.cfg.DriveRootID); err != nil {
			return err
		}
	}
	return nil
}

// checkKey is the pending-record key of Check's entities; no upload key
// contains a NUL.
const checkKey = "\x00check"

// Begin creates the remote folders (with Drive folders), then the file
// entity, recorded as pending before Begin returns. It first deletes the
// entities earlier, dead runs created for the same remote path and never
// finished (see pending.go). Nothing is transferred yet.
func (p *Provider) Begin(ctx context.Context, u provider.Upload) (provider.Session, error) {
	if err := p.checkUpload(u); err != nil {
		return nil, err
	}
	st := state{
		V: stateVersion, Company: p.cfg.CompanyID, Size: u.Size, ChunkSize: u.ChunkSize,
		Chunks: u.Chunks(), Name: p.remoteName(u), Mime: mimeType(u.Name),
	}
	if p.cfg.DriveFolders {
		parent, err := p.folders.resolve(ctx, u.Dir)
		if err != nil {
			return nil, err
		}
		st.Parent = parent
	}
	key := uploadKey(u)
	p.pending.sweep(ctx, key, "", p.sweepDelete)
	f, err := p.createRecorded(ctx, "begin", key, url.Values{
		api.QFilename: {st.Name}, api.QType: {st.Mime}, api.QTotalSize: {fmt.Sprint(u.Size)},
	})
	if err != nil {
		return nil, err
	}
	st.FileID = f.ID
	st.Acked = newBitmap(st.Chunks)
	return &session{p: p, u: u, st: st}, nil
}

// createRecorded creates a file entity and records it as pending under
// key. When the record cannot be written the entity is deleted again (best
// effort) and the error, an ErrPermanent naming the local problem, returned.
func (p *Provider) createRecorded(ctx context.Context, op, key string, q url.Values) (api.PublicFile, error) {
	f, err := p.initFile(ctx, op, q)
	if err != nil {
		return api.PublicFile{}, err
	}
	if err := p.pending.add(f.ID, key); err != nil {
		// Without a record a crash could orphan it: do not use it.
		_ = p.deleteForCleanup(ctx, op, f.ID) // best effort; the local error below is the one to report
		return api.PublicFile{}, &provider.Error{Kind: provider.ErrPermanent, Op: op, Err: err}
	}
	return f, nil
}

// sweepDelete deletes an entity a dead run left behind.
func (p *Provider) sweepDelete(ctx context.Context, id string) error {
	return p.deleteForCleanup(ctx, "delete an unfinished upload of an earlier run", id)
}

// checkUpload refuses plans the server cannot take.
func (p *Provider) checkUpload(u provider.Upload) error {
	switch {
	case u.Name == "":
		return &provider.Error{Kind: provider.ErrPermanent, Op: "begin", Message: "empty file name"}
	case u.Size < 0:
		return &provider.Error{Kind: provider.ErrPermanent, Op: "begin", Message: "negative size"}
	case u.Size > 0 && (u.ChunkSize < MinChunkSize || u.ChunkSize > MaxChunkSize):
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: "begin",
			Message: fmt.Sprintf("chunk size %d outside %d..%d", u.ChunkSize, MinChunkSize, MaxChunkSize),
		}
	}
	return nil
}

// remoteName is the name the file gets in the files service.
func (p *Provider) remoteName(u provider.Upload) string {
	if p.cfg.PathInName && !p.cfg.DriveFolders {
		return EncodeName(append(append([]string(nil), u.Dir...), u.Name))
	}
	return u.Name
}

// downloadURL is the unauthenticated download link of a file (route 4).
func (p *Provider) downloadURL(id string) string {
	return p.fileURL(id) + "/download"
}

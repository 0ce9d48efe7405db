// Package filesro uploads into a files.ro share. files.ro's server is
// VueFileManager (VFM); the rules the client relies on, with their sources,
// are in docs/protocols/filesro.md.
//
// The protocol: every chunk is a multipart POST to
// /api/v1/shares/{token}/uploads (files.ro's document; VFM's own route is
// /api/sharing/upload/chunks/{token}) carrying name, extension,
// is_last_chunk (1/0), path, optional parent_id, and the bytes as a file
// part whose filename is the upload key. The server appends each chunk to
// the file the key names, in arrival order, and finalizes on
// is_last_chunk=1, answering 201 with the file resource; folders are
// created from path. There is no chunk index, no offset, no checksum and no
// way to ask what the server holds, so:
//
//   - chunks are strictly sequential (Capabilities.ParallelChunks false);
//   - every upload attempt uses a fresh random key, never reused;
//   - nothing can be resumed (Resume always returns ErrSessionGone);
//   - a chunk whose earlier attempt may have reached the server cannot be
//     sent again (its bytes might be appended twice): the file restarts
//     under a new key; when the server gave no answer at all, the restart
//     waits for the job's next attempt, and a lost answer to the last
//     chunk (which stores the file) is never resent within the attempt;
//   - path is always sent ("/"+name at the top): files.ro's document marks
//     it required, VFM's rule is optional and ignores "/"+name;
//   - the server creates folders with an unlocked lookup-then-create, so the
//     first commit into each new folder path goes alone (folderGate), and
//     the engine claims other folders' jobs meanwhile (FolderToMake);
//   - a connection cut while a chunk goes out is retried at the same size;
//     only the same chunk cut again is taken for a body size limit;
//   - a second upload of a name makes a second file of the same name
//     (Capabilities.SameNameCopies).
//
// Password-protected shares need the share_session cookie; the provider
// gets it with the share password (Config.Password) from VFM's
// /api/sharing/authenticate/{token}, or, where the server lacks that route,
// from /api/v1/shares/{token}/authenticate (files.ro documents neither),
// and renews it once when the server says the session is not valid.
package filesro

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// Kind is the provider's service name.
const Kind = "filesro"

// Chunk sizes. The server's upload.chunkSize defaults to 64,000,000 bytes
// (2.4) and PHP's post_max_size is set to fit it; the floor lets the engine
// step down behind proxies that cap bodies (nginx's default is 1 MB).
const (
	DefaultChunkSize = 64_000_000
	MinChunkSize     = 256 << 10
)

// Config binds one files.ro share.
type Config struct {
	// BaseURL is the server root, e.g. "https://files.ro".
	BaseURL string
	// Token is the share token from the share link. It is a credential
	// (anyone with it can upload): never logged, never in a State.
	Token string
	// Password unlocks a protected share; empty for an open share. A
	// secret: never logged, never in a State.
	Password string
	// ParentID is the folder (a UUID inside the share) uploads go into;
	// empty means the shared folder itself.
	ParentID string
	// ChunkSize is the default chunk size (DefaultChunkSize when 0). It
	// also raises the largest chunk the engine may use, for servers
	// configured with bigger chunks.
	ChunkSize int64
	// VueFileManager uses a self-hosted VueFileManager's routes
	// (/api/sharing/upload/chunks/{token}) instead of files.ro's.
	VueFileManager bool
	// HTTP is the client to use; nil means rest.NewClient with PinSHA256
	// and Timeout. Redirects are never followed whatever its policy: a
	// redirect answers a rejected request.
	HTTP      *http.Client
	PinSHA256 string
	Timeout   time.Duration
}

var uuidRE = regexp.MustCompile(`(?i)^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$`)

// Provider is a files.ro share target. It is safe for concurrent use.
type Provider struct {
	cfg    Config
	base   *url.URL
	client *http.Client

	mu        sync.Mutex // guards cookie and authRoute
	cookie    string     // share_session value, "" until authenticated
	authRoute string     // the password route that answered, "" until one did

	folders folderGate // serialises the first commit into each new folder path
	resets  resetLog   // connection resets per chunk, to tell a size limit from bad luck
	lost    lostLog    // uploads whose storing request got no answer
}

// New validates cfg and returns the provider. It does not contact the
// server (a protected share authenticates on the first upload).
func New(cfg Config) (*Provider, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("new filesro provider: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	switch {
	case cfg.Token == "" || strings.ContainsAny(cfg.Token, "/?#% "):
		return nil, errors.New("new filesro provider: share token is missing or not a token")
	case cfg.ParentID != "" && !uuidRE.MatchString(cfg.ParentID):
		return nil, fmt.Errorf("new filesro provider: parent id %q is not a UUID", cfg.ParentID)
	case cfg.ChunkSize != 0 && cfg.ChunkSize < MinChunkSize:
		return nil, fmt.Errorf("new filesro provider: chunk size %d is below %d", cfg.ChunkSize, MinChunkSize)
	}
	if cfg.ChunkSize == 0 {
		cfg.ChunkSize = DefaultChunkSize
	}
	client := cfg.HTTP
	if client == nil {
		if client, err = rest.NewClient(rest.Options{PinSHA256: cfg.PinSHA256, Timeout: cfg.Timeout}); err != nil {
			return nil, fmt.Errorf("new filesro provider: %w", err)
		}
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Provider{cfg: cfg, base: base, client: &c}, nil
}

// Kind returns "filesro".
func (p *Provider) Kind() string { return Kind }

// Capabilities: sequential, not resumable, folders from the path field,
// and the last chunk's request stores the file with no way to ask
// afterwards. Name conflicts: a file is a row keyed by a new id, so an
// upload of a name the folder already has makes a second file of the SAME
// name; nothing is renamed, replaced or refused (VueFileManager's
// ProcessFileAction inserts the name as sent). The only policy offered is
// "rename" in its keep-both sense, flagged SameNameCopies.
func (p *Provider) Capabilities() provider.Capabilities {
	return provider.Capabilities{
		MinChunkSize:     MinChunkSize,
		MaxChunkSize:     max(p.cfg.ChunkSize, DefaultChunkSize),
		DefaultChunkSize: p.cfg.ChunkSize,
		ParallelChunks:   false,
		Resumable:        false,
		LastChunkCommits: true,
		// Begin picks the attempt's key and sends nothing (see Begin).
		BeginNeedsNoSave: true,
		Folders:          provider.FoldersServerCreated,
		Conflicts:        []provider.ConflictPolicy{provider.ConflictRename},
		SameNameCopies:   true,
	}
}

// Begin checks the upload and, for a protected share, makes sure the
// provider holds a share session. It picks the attempt's fresh key; no
// request is made otherwise (the server learns of the upload with its
// first chunk). Errors: ErrPermanent for an invalid upload, the
// authentication errors of the password exchange.
func (p *Provider) Begin(ctx context.Context, u provider.Upload) (provider.Session, error) {
	switch {
	case u.Name == "":
		return nil, &provider.Error{Kind: provider.ErrPermanent, Op: "begin", Message: "upload has no name"}
	case u.Size < 0 || (u.Size > 0 && u.ChunkSize <= 0):
		return nil, &provider.Error{Kind: provider.ErrPermanent, Op: "begin " + u.Name, Message: "invalid size or chunk size"}
	case u.Conflict != "" && u.Conflict != provider.ConflictRename:
		return nil, &provider.Error{
			Kind: provider.ErrPermanent, Op: "begin " + u.Name,
			Message: fmt.Sprintf("conflict policy %q is not possible on files.ro: an upload of a name that exists makes a second file with the same name; "+
				"use the rename policy (both files are kept, under the same name)", u.Conflict),
		}
	}
	if p.lost.take(u) {
		// An earlier attempt's storing request got no answer (see
		// session.PutChunk). Say so once, as a session the engine must
		// start again: it warns that the file may be stored twice, then
		// begins again.
		return nil, &provider.Error{
			Kind: provider.ErrSessionGone, Op: "begin " + u.Name, Err: provider.ErrMaybeStored,
			Message: "the previous attempt got no answer to the request that stores the file; it is sent again",
		}
	}
	if p.cfg.Password != "" {
		if _, err := p.session(ctx, ""); err != nil {
			return nil, err
		}
	}
	return newSession(p, u), nil
}

// Resume always fails with ErrSessionGone: the service has no way to say
// how many bytes a key holds, so an interrupted upload restarts from byte
// 0 under a new key. The old key's bytes stay in the server's hidden
// chunk storage; no API removes them, so there is nothing to clean up.
func (p *Provider) Resume(_ context.Context, u provider.Upload, _ []byte) (provider.Session, error) {
	return nil, &provider.Error{
		Kind: provider.ErrSessionGone, Op: "resume " + u.Name,
		Message: "files.ro uploads cannot be resumed; restarting the file",
	}
}

func (p *Provider) endpoint(tmpl string) string {
	return p.base.String() + fmt.Sprintf(tmpl, url.PathEscape(p.cfg.Token))
}

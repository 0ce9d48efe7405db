// Package quatrix uploads files to Quatrix (Maytech) through its REST API
// 1.0, following protocols/quatrix.md.
//
// The flow per file: resolve or create the remote folder path one level at
// a time (/file/id, /file/makedir), open an upload key (/upload/link, or
// /file/modify to overwrite), POST the chunks in order to
// /upload/chunked/{key} at the host root with a Content-Range header, then
// GET /api/1.0/upload/finalize/{key}?mtime=. The API has no way to ask how
// many bytes a key received, so an upload cannot be resumed after a restart:
// Resume deletes the placeholder the old attempt left and reports
// provider.ErrSessionGone, and the engine starts the file again.
package quatrix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// Chunk size bounds (protocols/quatrix.md §5.4): the official C# SDK
// refuses chunks under 1000 bytes, rclone sends up to about 100 MB, and
// proxies commonly cap bodies at 100 MB. The default follows rclone's
// 10 MB minimum, rounded to MiB.
const (
	MinChunkSize     = 1000
	MaxChunkSize     = 100_000_000
	DefaultChunkSize = 10 << 20
)

// DefaultKeepAlive is how often an idle session is kept alive; both
// official SDKs ping every 5 minutes against a 15-minute idle expiry.
const DefaultKeepAlive = 5 * time.Minute

// Config configures one Quatrix target. Secrets are passed in by the caller
// (from the keyring); the provider never logs them nor puts them in State.
type Config struct {
	// BaseURL is the account host, e.g. "https://example.quatrix.it". A
	// trailing "/api/1.0" is accepted and removed. Plain http is accepted
	// only for loopback hosts (the local sandbox).
	BaseURL string

	// APIKey selects API-key auth (Authorization: Bearer). Otherwise Email
	// and Password select session auth (GET /session/login with Basic).
	APIKey          string
	Email, Password string

	// PinSHA256 trusts one self-signed certificate (see rest.Options).
	PinSHA256 string
	// Timeout bounds connecting and waiting for response headers.
	Timeout time.Duration
	// KeepAlive is the session keepalive period while uploads are open;
	// 0 means DefaultKeepAlive. Unused with an API key.
	KeepAlive time.Duration
	// Log receives keepalive failures (which have no caller to return to);
	// nil means slog.Default().
	Log *slog.Logger

	// PublicLinks creates a public share (type P) of every uploaded file
	// and puts its download address in Result.Link (links.go). Off by
	// default: a public link lets anyone with it download the file.
	PublicLinks bool
	// LinkExpiry, when not 0, makes each public link expire that long
	// after the upload.
	LinkExpiry time.Duration
	// LinkPin, when not "", is the PIN (password) each public link asks
	// for before it lets a download through; it needs PublicLinks. It is a
	// secret: sent only base64-encoded in share/create (links.go), never
	// logged and never part of the link.
	LinkPin string
}

// Provider is a configured Quatrix target. It is safe for concurrent use.
type Provider struct {
	base    string // scheme://host[:port], no trailing slash
	client  *http.Client
	auth    *authenticator
	folders *folders
	log     *slog.Logger
	links   linkOptions
}

var _ provider.Provider = (*Provider)(nil)

// New validates cfg and returns a Provider. It makes no request; Check
// proves the credentials. Exactly one auth mode must be configured.
func New(cfg Config) (*Provider, error) {
	base, err := normaliseBase(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	hasKey := cfg.APIKey != ""
	hasLogin := cfg.Email != "" || cfg.Password != ""
	switch {
	case hasKey && hasLogin:
		return nil, errors.New("quatrix config: give either an API key or an email and password, not both")
	case !hasKey && !hasLogin:
		return nil, errors.New("quatrix config: an API key or an email and password is required")
	case hasLogin && (cfg.Email == "" || cfg.Password == ""):
		return nil, errors.New("quatrix config: session auth needs both an email and a password")
	case hasKey && strings.ContainsAny(cfg.APIKey, " \r\n\t"):
		return nil, errors.New("quatrix config: the API key contains white space")
	}
	if cfg.KeepAlive < 0 {
		return nil, errors.New("quatrix config: keepalive period must not be negative")
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	client, err := rest.NewClient(rest.Options{PinSHA256: cfg.PinSHA256, Timeout: cfg.Timeout})
	if err != nil {
		return nil, fmt.Errorf("quatrix config: %w", err)
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	if cfg.LinkExpiry < 0 {
		return nil, errors.New("quatrix config: the link expiry must not be negative")
	}
	if err := checkLinkPin(cfg); err != nil {
		return nil, err
	}
	p := &Provider{base: base, client: client, log: log, links: linkOptions{on: cfg.PublicLinks, expiry: cfg.LinkExpiry, pin: cfg.LinkPin}}
	p.auth = &authenticator{
		p: p, apiKey: cfg.APIKey, email: cfg.Email, password: cfg.Password,
		keepAlive: cfg.KeepAlive,
	}
	p.folders = newFolders()
	return p, nil
}

// normaliseBase turns the configured URL into scheme://host[:port].
func normaliseBase(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("quatrix config: base URL is required")
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("quatrix config: base URL: %w", err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("quatrix config: base URL %q must be just https://host", raw)
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/api/1.0")
	if p != "" {
		return "", fmt.Errorf("quatrix config: base URL %q has an unexpected path %q", raw, p)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("quatrix config: refusing plain http to %s: credentials would travel unencrypted", u.Hostname())
		}
	default:
		return "", fmt.Errorf("quatrix config: base URL scheme %q is not https", u.Scheme)
	}
	return u.Scheme + "://" + u.Host, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Kind returns "quatrix".
func (p *Provider) Kind() string { return "quatrix" }

// Capabilities: sequential chunks (no client of the API sends them in
// parallel and the server's behaviour is unknown), no resume across
// restarts (no endpoint reports received bytes), client-created folders.
func (p *Provider) Capabilities() provider.Capabilities {
	return provider.Capabilities{
		MinChunkSize:     MinChunkSize,
		MaxChunkSize:     MaxChunkSize,
		DefaultChunkSize: DefaultChunkSize,
		ParallelChunks:   false,
		Resumable:        false,
		Folders:          provider.FoldersClientCreated,
		Conflicts: []provider.ConflictPolicy{
			provider.ConflictRename, provider.ConflictOverwrite, provider.ConflictSkip,
		},
	}
}

// Check proves the credentials with a real request every time (never from
// a cache): it logs in if needed (session auth) and reads /profile. It
// returns an error wrapping provider.ErrAuth for refused credentials
// (including accounts that require two-factor authentication), and the
// usual kinds otherwise.
func (p *Provider) Check(ctx context.Context) error {
	_, err := p.folders.fetchProfile(ctx, p)
	return err
}

// Close stops the keepalive loop and, with session auth, logs out. The
// Provider must not be used afterwards.
func (p *Provider) Close(ctx context.Context) error {
	return p.auth.close(ctx)
}

// Package selfcommunity uploads files as SelfCommunity private-message media
// (API v2, the seed's "Quentrix" host): each file is cut into parts sent in
// series to POST /api/v2/pm/upload/, finished with the "?done" call carrying
// the whole file's MD5, and optionally sent as private messages to
// configured recipients or a group, the file and its relative path (the
// API has no folders). The requests follow the official web client
// (community-js MessageChunkUploader, PrivateMessageThread) wherever the
// real server's behaviour is unknown; docs/protocols/selfcommunity.md
// lists the sources.
//
// # One-part files
//
// The official web client sends a one-part file as a plain "Upload a
// Media" request of the file alone (no part fields) and calls done after
// it. A plain upload may be stored the moment its body arrives, and the
// API has no call to find it again: a crash before done leaves a media
// file no message names, and the restart stores a second one. The chunk
// route (partindex 0 of totalparts 1, then done), which the document
// allows (0 <= partindex < totalparts), never becomes a file without done,
// so a crash at any moment before done leaves nothing behind but a part
// the server expires. Ferry therefore sends one-part files through the
// chunk route, and takes the route that works either way: if the server
// refuses it (a 400 naming partindex or totalparts, on the part or on
// done), the file goes again as the official plain upload, and so does
// every later one-part file of this provider.
//
// # Resume
//
// The server issues the file uuid with part 0 and there is no status
// endpoint, so a session persists the uuid, the last acknowledged part and
// the MD5 state as of that part. Resume continues at the next part; if the
// server forgot the uuid it rejects that part's uuid and PutChunk returns
// ErrSessionGone, so the engine starts the file over.
//
// A part the server stored but whose acknowledgement the client never
// persisted (a crash between the server's write and the client's state
// write) is not guessed at: the client sends that part again. A server
// storing parts by index acknowledges the repeat; one enforcing "in
// series" strictly may refuse it, and that refusal, on the first part
// after a Resume or on a part already attempted once in this session,
// means the two sides disagree about what was received; PutChunk returns
// ErrSessionGone and the file restarts with a new uuid, costing at most
// one re-upload of the file.
//
// # Done, thumbnail and the last part
//
// The last PutChunk does more than send the last part: once it is
// acknowledged it sends done and, when messages are configured, the
// thumbnail (which the official client always uploads after done, and
// whose file_uuid its message carries). The engine saves the session's
// State after the last part (Capabilities.SaveBeforeFinish), so that state
// records the stored file and its thumbnail; Finish only sends the
// messages. A process that dies between done and the messages resumes
// with a state that says the file is stored: it sends the messages and no
// second done, which a server that forgets finalized uuids would refuse
// (issue #18, item 7). While done is not recorded the engine repeats the
// last part, and PutChunk goes on from where it stopped.
//
// # A done whose answer was lost
//
// The done call finalizes on the server. When its answer is lost (the
// connection dropped, or the process died before the result was recorded)
// the next done for the same uuid may be refused with 400 on the uuid
// field, "already_done" in the sandbox. For a uuid the session owns with
// every part acknowledged, that refusal means the earlier done succeeded,
// and the upload succeeds (without a link: the API cannot look a file up
// by uuid). A resumed session meets the same refusal one step earlier, on
// the re-sent last part; it takes that part as sent and lets done decide
// (see lastPartFinalized). The real server's codes are not public
// (protocol notes 3.6): finalizedCode recognises the sandbox's code and
// reasonable variants; any other answer falls back to ErrSessionGone and
// a restart, which may leave a second copy but never loses the file. When
// a done may have reached the server, that fallback also carries
// provider.ErrMaybeStored, so the engine warns the file may be stored
// twice.
//
// # Messages
//
// The official client never sends a text and a file in one message: it
// sends file_uuid (the thumbnail's) only with an empty text. Ferry sends
// those two shapes: the file message, then the template's text alone (see
// session.messages). Send a Message answers 201 with a list; any 2xx
// counts as sent, whatever its body.
//
// Each message is sent at most once and, as far as the API allows, at
// least once. The session records that a message may have reached the
// server before sending it; a lost answer first looks for the message in
// the thread (Get a Thread) and sends it only if it is not there, and a
// session resumed after a crash looks for each message in turn until one
// is not there. Where the thread cannot be read the message
// is sent: with recipients configured the message is how the file reaches
// them, so a second one is the lesser harm.
package selfcommunity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
)

// Kind is the provider kind in target configs.
const Kind = "selfcommunity"

// Chunk size bounds. The official web client sends 204,800-byte parts; the
// server's limit is not documented, so larger parts are allowed up to a
// bound well below the 100 MB request limits common in front of Django.
//
// The official client refuses files over OfficialMaxFileSize, so the server
// is only known to take the small parts for files up to that size; Ferry
// keeps them there. Larger files go in LargeFileChunkSize parts: in
// 204,800-byte parts a gigabyte is 5,243 round trips in series, each with
// a durable session save, which held uploads to a tenth of the link's
// speed. A server that refuses the larger parts answers 413 (or cuts the
// connection), and the engine halves the size and remembers it for the
// target.
const (
	DefaultChunkSize    = 204_800
	MinChunkSize        = 16 << 10
	MaxChunkSize        = 32 << 20
	OfficialMaxFileSize = 10_485_760
	LargeFileChunkSize  = 16 << 20
)

// Config is one SelfCommunity target.
type Config struct {
	// BaseURL is the community's API origin, e.g. "https://apiv2.quentrix.com".
	BaseURL string
	// Token is the Bearer access token (JWT or OAuth2). It is a secret: it
	// is sent only in the Authorization header, never logged or persisted.
	Token string
	// Dialect selects the form field names: api.Plain (default) or api.QQ.
	Dialect api.Dialect
	// ChunkSize is the default part size (DefaultChunkSize when 0), within
	// [MinChunkSize, MaxChunkSize].
	ChunkSize int64
	// MaxFileSize is the largest file the community accepts; 0 = unknown
	// (the server's limit is not documented; the official web client
	// refuses files over 10,485,760 bytes on its own).
	MaxFileSize int64
	// Recipients (user ids) or Group (a group id) receive each finished file
	// as a private message; neither means no message is sent.
	Recipients []int64
	Group      int64
	// NoMD5 leaves the optional md5 field out of the done call: the
	// server then checks only totalfilesize and totalparts. The official
	// client never sends it; Ferry does by default, so the server verifies
	// the assembled bytes, and stops by itself for the rest of the run if
	// the server refuses the same bytes' md5 twice (see finalize).
	NoMD5 bool
	// MessageTemplate is the message text; "{path}" becomes Upload.RelPath
	// (the name when RelPath is empty) and "{name}" the file name. Default
	// "{path}".
	MessageTemplate string
	// PinSHA256 and Timeout configure the HTTP client (see rest.Options).
	PinSHA256 string
	Timeout   time.Duration
}

// Provider is a configured SelfCommunity target; safe for concurrent use.
type Provider struct {
	base   *url.URL
	token  string
	fields api.Fields
	cfg    Config
	client *http.Client

	// md5Refused holds "<md5>/<size>" of files whose done was refused on
	// the md5 field; md5Off is set once the same bytes were refused twice
	// (see finalize).
	md5Refused sync.Map
	md5Off     atomic.Bool

	// msgMu keeps one file's messages together: uploads finish in
	// parallel, and a file message followed by another file's text would
	// caption the wrong file in the thread.
	msgMu sync.Mutex

	// plainOnePart is set once the server refused a one-part chunk
	// upload: one-part files then go as plain uploads (see PutChunk).
	plainOnePart atomic.Bool
}

var _ provider.Provider = (*Provider)(nil)

// New validates cfg and returns the provider. Errors name the bad setting
// and never contain the token.
func New(cfg Config) (*Provider, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("selfcommunity: base URL %q must be http(s)://host[/prefix]", cfg.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("selfcommunity: base URL %q must not carry a query, fragment or user info", cfg.BaseURL)
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("selfcommunity: access token is empty")
	}
	if strings.ContainsAny(cfg.Token, "\r\n ") {
		return nil, errors.New("selfcommunity: access token contains spaces or line breaks")
	}
	switch cfg.Dialect {
	case "":
		cfg.Dialect = api.Plain
	case api.Plain, api.QQ:
	default:
		return nil, fmt.Errorf("selfcommunity: dialect %q is not %q or %q", cfg.Dialect, api.Plain, api.QQ)
	}
	if cfg.ChunkSize == 0 {
		cfg.ChunkSize = DefaultChunkSize
	}
	if cfg.ChunkSize < MinChunkSize || cfg.ChunkSize > MaxChunkSize {
		return nil, fmt.Errorf("selfcommunity: chunk size %d outside [%d, %d]", cfg.ChunkSize, MinChunkSize, MaxChunkSize)
	}
	if cfg.MaxFileSize < 0 {
		return nil, fmt.Errorf("selfcommunity: max file size %d is negative", cfg.MaxFileSize)
	}
	if len(cfg.Recipients) > 0 && cfg.Group != 0 {
		return nil, errors.New("selfcommunity: set message recipients or a group, not both")
	}
	for _, r := range cfg.Recipients {
		if r <= 0 {
			return nil, fmt.Errorf("selfcommunity: recipient id %d is not positive", r)
		}
	}
	if cfg.Group < 0 {
		return nil, fmt.Errorf("selfcommunity: group id %d is negative", cfg.Group)
	}
	if cfg.MessageTemplate == "" {
		cfg.MessageTemplate = "{path}"
	}
	client, err := rest.NewClient(rest.Options{PinSHA256: cfg.PinSHA256, Timeout: cfg.Timeout})
	if err != nil {
		return nil, fmt.Errorf("selfcommunity: %w", err)
	}
	cfg.Recipients = append([]int64(nil), cfg.Recipients...)
	return &Provider{base: u, token: cfg.Token, fields: api.FieldsOf(cfg.Dialect), cfg: cfg, client: client}, nil
}

// Kind returns "selfcommunity".
func (p *Provider) Kind() string { return Kind }

// Capabilities: parts strictly in series, resumable by uuid, no folders;
// every upload creates a new file, so only the rename ("keep both") policy
// is honest.
func (p *Provider) Capabilities() provider.Capabilities {
	return provider.Capabilities{
		MinChunkSize: MinChunkSize, MaxChunkSize: MaxChunkSize, DefaultChunkSize: p.cfg.ChunkSize,
		LargeFileSize: OfficialMaxFileSize, LargeFileChunkSize: LargeFileChunkSize,
		ParallelChunks: false, Resumable: true, MaxFileSize: p.cfg.MaxFileSize,
		Folders: provider.FoldersNone, Conflicts: []provider.ConflictPolicy{provider.ConflictRename},
		SaveBeforeFinish: true,
		// Begin sends nothing and leaves nothing on the server: parts
		// without done never become a file, and the uuid a restart needs
		// is saved (Checkpoint) before done. Round 5 of issue 20 turned
		// this off when the short soak's seed 1796608895468896439 stored a
		// torn copy in 2 of 4 runs; round 6 then fixed four ways a kill
		// or a rewrite stored a torn copy, and with this on that seed and
		// two others passed 6 of 6 runs (round 9).
		BeginNeedsNoSave: true,
		// done (which makes the file visible) runs inside the last part:
		// the engine re-checks the file before it and warns if it changed
		// meanwhile. A restart recognises the stored upload by its uuid
		// (see provider.Checkpoint), so this is not LastChunkCommits.
		LastChunkStores: true,
		// A part is a multipart form: Django parses the whole body (up to
		// Content-Length) before the view sees the part, so a body cut
		// short stores nothing (inferred, Django's request parsing; the
		// sandbox undoes a broken-off part, stream.end). The engine may
		// then send the next part while saving the last acknowledgement,
		// holding back its last byte until the save is durable.
		IncompleteChunkNotStored: true,
	}
}

// Begin validates u and returns a session; it sends nothing (the server
// issues the file uuid with part 0). Invalid plans are ErrPermanent, a file
// over MaxFileSize is ErrTooLarge.
func (p *Provider) Begin(_ context.Context, u provider.Upload) (provider.Session, error) {
	if err := p.checkUpload(u); err != nil {
		return nil, err
	}
	return newSession(p, u, newState(u)), nil
}

// Resume reattaches to a persisted State without a request: the API has no
// status call, so the server's verdict comes with the next PutChunk (or
// Finish), which returns ErrSessionGone if the uuid is no longer known.
// State that does not match u, or cannot be decoded, is ErrSessionGone
// (there is nothing on the server to clean up: parts without a done call
// are the server's to expire).
func (p *Provider) Resume(_ context.Context, u provider.Upload, state []byte) (provider.Session, error) {
	if err := p.checkUpload(u); err != nil {
		return nil, err
	}
	st, err := decodeState(state, u)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrSessionGone, Op: "resume", Err: err}
	}
	s := newSession(p, u, st)
	// The part after the last acknowledged one may be on the server already
	// (crash before the acknowledgement was persisted).
	s.attempted[st.Acked+1] = true
	// From the part before the last on, the previous process may have sent
	// every part and done (a state saved by an engine that skipped the save
	// after the last part ends at the part before it).
	s.doneMaybe = st.UUID != "" && st.Acked >= st.Parts-2
	if st.Done != nil && s.p.messaging() {
		// The previous process may have sent the next messages before it
		// died (the state saved after done records none of them): look
		// for each before sending it (see sendMessages).
		s.st.Pending, s.resumed = true, true
	}
	return s, nil
}

func (p *Provider) checkUpload(u provider.Upload) error {
	switch {
	case u.Name == "":
		return &provider.Error{Kind: provider.ErrPermanent, Op: "begin", Message: "file name is empty"}
	case u.Size < 0:
		return &provider.Error{Kind: provider.ErrPermanent, Op: "begin", Message: "negative size"}
	case u.ChunkSize < MinChunkSize || u.ChunkSize > MaxChunkSize:
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: "begin",
			Message: fmt.Sprintf("chunk size %d outside [%d, %d]", u.ChunkSize, MinChunkSize, MaxChunkSize),
		}
	case p.cfg.MaxFileSize > 0 && u.Size > p.cfg.MaxFileSize:
		return &provider.Error{
			Kind: provider.ErrTooLarge, Op: "begin",
			Message: fmt.Sprintf("file has %d bytes, the target accepts at most %d", u.Size, p.cfg.MaxFileSize),
		}
	}
	return nil
}

// Check proves the token works with GET /api/v2/user/me/: nil on 200 with a
// user, ErrAuth on 401/403, other kinds as for uploads.
func (p *Provider) Check(ctx context.Context) error {
	req, err := p.newRequest(ctx, http.MethodGet, api.MePath, "", nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return rest.TransportError("check credentials", err)
	}
	if resp.StatusCode != http.StatusOK {
		perr, _ := responseError("check credentials", resp, p.fields, false)
		return perr
	}
	var me api.User
	if err := rest.DecodeJSON("check credentials", resp, &me); err != nil {
		return err
	}
	if me.ID == 0 && me.Username == "" {
		return &provider.Error{
			Kind: provider.ErrPermanent, Op: "check credentials", Status: resp.StatusCode,
			Message: "server answered without a user",
		}
	}
	return nil
}

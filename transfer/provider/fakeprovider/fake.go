// Package fakeprovider is an in-memory (or directory-backed) provider for
// engine tests. It checks the contract strictly (chunk sizes, order when
// chunks may not be parallel, exact byte counts, Finish only when complete),
// injects programmable failures, and records every call and every stored
// byte, so a test can assert "uploaded exactly once with the right bytes".
//
// A Provider is a client; the "server" state (sessions, chunks, files, call
// log) lives in a store shared by every client made with Reconnect, or on
// disk under Options.Dir so that it survives the test process being killed.
package fakeprovider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// Options configure a fake server and its first client.
type Options struct {
	// Caps are the advertised capabilities; zero chunk bounds get defaults
	// (min 1 byte, max 64 MiB, default 1 MiB) and no Conflicts gets all three.
	Caps provider.Capabilities
	// Dir, when set, keeps the server state on disk there (created if
	// missing); a later New with the same Dir sees the same server.
	Dir string
	// Latency is added to every call (honouring ctx).
	Latency time.Duration
	// Seed makes rate-based faults reproducible.
	Seed uint64
	// Discard keeps only sizes and hashes of stored bytes: for benchmarks
	// with files larger than memory. File content is then not readable.
	Discard bool
	// RejectAuth makes every call fail with ErrAuth, as with bad credentials.
	RejectAuth bool
	// MaxBody refuses chunks larger than this with ErrTooLarge, as a proxy
	// with a body limit does; 0 means no limit.
	MaxBody int64
	// Quota refuses a Begin whose size would make the stored bytes exceed
	// it, with ErrQuota; 0 means no quota.
	Quota int64
	// OnRecorded, when set, becomes every finished upload's
	// Result.Recorded, called with the remote path.
	OnRecorded func(remotePath string)
}

// server is the shared state of one fake service.
type server struct {
	opts  Options
	store store

	mu     sync.Mutex // guards the fields below
	calls  []Call
	faults []*faultState
	rng    *mrand.Rand
	active map[string]int // session id -> PutChunk calls in flight
	// viol records contract violations by the client (the engine), which a
	// test asserts to be empty.
	viol []string
	log  *callLog // nil in memory mode
}

// Provider is one client of a fake server. It is safe for concurrent use.
type Provider struct{ srv *server }

var _ provider.Provider = (*Provider)(nil)

// New starts a fake server with opts and returns its first client. With
// opts.Dir set, an existing server state in that directory is reused.
func New(opts Options) (*Provider, error) {
	c := &opts.Caps
	if c.MinChunkSize <= 0 {
		c.MinChunkSize = 1
	}
	if c.MaxChunkSize <= 0 {
		c.MaxChunkSize = 64 << 20
	}
	if c.DefaultChunkSize <= 0 {
		c.DefaultChunkSize = min(1<<20, c.MaxChunkSize)
	}
	if len(c.Conflicts) == 0 {
		c.Conflicts = []provider.ConflictPolicy{provider.ConflictRename, provider.ConflictOverwrite, provider.ConflictSkip}
	}
	s := &server{opts: opts, rng: mrand.New(mrand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), active: map[string]int{}}
	if opts.Dir == "" {
		s.store = newMemStore()
	} else {
		s.store = dirStore{dir: opts.Dir}
		l, err := openCallLog(opts.Dir)
		if err != nil {
			return nil, err
		}
		s.log = l
	}
	return &Provider{srv: s}, nil
}

// MustNew is New for tests; it panics on error (only possible with Dir).
func MustNew(opts Options) *Provider {
	p, err := New(opts)
	if err != nil {
		panic(err)
	}
	return p
}

// Reconnect returns a new client of the same server, as a restarted
// process would make: no state is shared with p's sessions.
func (p *Provider) Reconnect() *Provider { return &Provider{srv: p.srv} }

// SetCaps changes the capabilities every client of this server advertises
// (no defaults are filled in), e.g. to flip resumability between runs.
// The contract wants capabilities constant while a client is in use, and
// the engine caches them: call it only between engine runs.
func (p *Provider) SetCaps(c provider.Capabilities) {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	p.srv.opts.Caps = c
}

// Kind returns "fake".
func (p *Provider) Kind() string { return "fake" }

// Capabilities returns Options.Caps with defaults filled in.
func (p *Provider) Capabilities() provider.Capabilities {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	return p.srv.opts.Caps
}

// sessionRecord is a server-side upload session.
type sessionRecord struct {
	ID     string
	Upload provider.Upload
	// Existed says the remote name held a file when the session began.
	Existed bool
}

func remotePath(u provider.Upload) string {
	return strings.Join(append(append([]string(nil), u.Dir...), u.Name), "/")
}

// Begin opens a session. It fails with ErrTooLarge over MaxFileSize, ErrQuota
// over Quota, ErrConflict for ConflictSkip on an existing name, ErrPermanent
// for a policy not in Caps.Conflicts or an invalid plan.
func (p *Provider) Begin(ctx context.Context, u provider.Upload) (provider.Session, error) {
	s := p.srv
	call := Call{Op: OpBegin, Path: remotePath(u), Size: u.Size}
	if err := s.enter(ctx, &call); err != nil {
		return nil, s.record(call, err)
	}
	caps := p.Capabilities()
	if err := checkPlan(caps, u); err != nil {
		return nil, s.record(call, err)
	}
	exists, err := s.fileExists(call.Path)
	if err != nil {
		return nil, s.record(call, err)
	}
	if exists && u.Conflict == provider.ConflictSkip {
		return nil, s.record(call, &provider.Error{Kind: provider.ErrConflict, Op: "begin " + call.Path})
	}
	if s.opts.Quota > 0 {
		used, err := s.usedBytes()
		if err != nil {
			return nil, s.record(call, err)
		}
		if used+u.Size > s.opts.Quota {
			return nil, s.record(call, &provider.Error{Kind: provider.ErrQuota, Op: "begin " + call.Path})
		}
	}
	rec := sessionRecord{ID: newID(), Upload: u, Existed: exists}
	if err := s.putJSON("sess/"+rec.ID, rec); err != nil {
		return nil, s.record(call, err)
	}
	call.Session = rec.ID
	s.record(call, nil)
	return &Session{srv: s, rec: rec, acked: map[int]bool{}}, nil
}

func checkPlan(caps provider.Capabilities, u provider.Upload) error {
	op := "begin " + remotePath(u)
	switch {
	case caps.MaxFileSize > 0 && u.Size > caps.MaxFileSize:
		return &provider.Error{Kind: provider.ErrTooLarge, Op: op, Message: fmt.Sprintf("file of %d bytes over the %d byte limit", u.Size, caps.MaxFileSize)}
	case u.Size < 0 || u.Name == "":
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: "invalid upload"}
	case u.Size > 0 && (u.ChunkSize < caps.MinChunkSize || u.ChunkSize > caps.MaxChunkSize):
		return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: fmt.Sprintf("chunk size %d outside [%d, %d]", u.ChunkSize, caps.MinChunkSize, caps.MaxChunkSize)}
	}
	for _, c := range caps.Conflicts {
		if c == u.Conflict {
			return nil
		}
	}
	return &provider.Error{Kind: provider.ErrPermanent, Op: op, Message: fmt.Sprintf("conflict policy %q not supported", u.Conflict)}
}

// sessionState is what Session.State returns.
type sessionState struct {
	ID    string `json:"id"`
	Acked []int  `json:"acked"`
}

// Resume reattaches to a saved session. A non-resumable fake deletes the old
// session's chunks and returns ErrSessionGone, as the real services do.
func (p *Provider) Resume(ctx context.Context, u provider.Upload, state []byte) (provider.Session, error) {
	s := p.srv
	call := Call{Op: OpResume, Path: remotePath(u), Size: u.Size}
	if err := s.enter(ctx, &call); err != nil {
		return nil, s.record(call, err)
	}
	var st sessionState
	if err := json.Unmarshal(state, &st); err != nil || st.ID == "" {
		return nil, s.record(call, &provider.Error{Kind: provider.ErrSessionGone, Op: "resume", Message: "unreadable session state"})
	}
	call.Session = st.ID
	var rec sessionRecord
	ok, err := s.getJSON("sess/"+st.ID, &rec)
	if err != nil {
		return nil, s.record(call, err)
	}
	gone := &provider.Error{Kind: provider.ErrSessionGone, Op: "resume " + st.ID}
	if !ok {
		return nil, s.record(call, gone)
	}
	if !p.Capabilities().Resumable || rec.Upload.Size != u.Size || rec.Upload.ChunkSize != u.ChunkSize || remotePath(rec.Upload) != remotePath(u) {
		if err := s.dropSession(rec.ID); err != nil {
			return nil, s.record(call, err)
		}
		return nil, s.record(call, gone)
	}
	acked, err := s.ackedChunks(rec.ID)
	if err != nil {
		return nil, s.record(call, err)
	}
	s.record(call, nil)
	return &Session{srv: s, rec: rec, acked: acked}, nil
}

// enter applies the common preamble of every call: latency, auth, faults.
func (s *server) enter(ctx context.Context, c *Call) error {
	if err := s.prelude(ctx, c); err != nil {
		return err
	}
	return s.fault(ctx, *c)
}

// prelude is the part of enter before fault injection.
func (s *server) prelude(ctx context.Context, c *Call) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	if s.opts.RejectAuth {
		return &provider.Error{Kind: provider.ErrAuth, Op: string(c.Op), Status: 401, Message: "invalid credentials"}
	}
	return nil
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func (s *server) putJSON(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("fake server encode %s: %w", key, err)
	}
	return s.store.put(key, b)
}

func (s *server) getJSON(key string, v any) (bool, error) {
	b, ok, err := s.store.get(key)
	if err != nil || !ok {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("fake server decode %s: %w", key, err)
	}
	return true, nil
}

package quatrix_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	qsandbox "github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
)

const (
	email    = "alice@example.com"
	password = "correct horse battery staple"
	apiKey   = "0f6a1c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
	mfaEmail = "mfa@example.com"
)

// clock is a settable sandbox clock.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration // added after every reading
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.t
	c.t = c.t.Add(c.step)
	return now
}

func (c *clock) SetStep(d time.Duration) {
	c.mu.Lock()
	c.step = d
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	srv   *sandbox.Server
	api   *qsandbox.API
	clock *clock
}

type envOpts struct {
	tls    bool
	user   qsandbox.User
	cfg    qsandbox.Config
	faults sandbox.FaultProfile
	// switches sets named sandbox switches (Strict stays on).
	switches map[string]bool
	// realModel runs the sandbox with its defaults (Strict off): the rules
	// that model the real server, without the stricter checks.
	realModel bool
}

// newEnv starts a strict sandbox serving only the Quatrix API (the
// default-rules sandbox with realModel).
func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	cfg := o.cfg
	u := o.user
	u.Email, u.Password = email, password
	cfg.Users = []qsandbox.User{u, {Email: mfaEmail, Password: password, MFA: true}}
	cfg.APIKeys = []qsandbox.APIKey{{Key: apiKey, Email: email}}
	api, err := qsandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	srv, err := sandbox.New(sandbox.Config{
		Dir: t.TempDir(), TLS: o.tls, Strict: !o.realModel, APIs: []sandbox.API{api}, Now: c.Now, Faults: o.faults,
		Switches: o.switches,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return &env{srv: srv, api: api, clock: c}
}

// provider returns a client in the given auth mode ("apikey" or "session").
func (e *env) provider(t testing.TB, mode string, edit ...func(*quatrix.Config)) *quatrix.Provider {
	t.Helper()
	cfg := quatrix.Config{BaseURL: e.srv.BaseURL(), PinSHA256: e.srv.CertFingerprint()}
	if mode == "apikey" {
		cfg.APIKey = apiKey
	} else {
		cfg.Email, cfg.Password = email, password
	}
	for _, f := range edit {
		f(&cfg)
	}
	p, err := quatrix.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Close(ctx) // logout at cleanup: the server may already be closed
	})
	return p
}

// entry finds the node at path ("/alice@example.com/a/b.bin").
func (e *env) entry(path string) (sandbox.Entry, bool) {
	for _, en := range e.srv.Tree(qsandbox.Name) {
		if en.Path == path {
			return en, true
		}
	}
	return sandbox.Entry{}, false
}

// under lists the entries whose path starts with prefix.
func (e *env) under(prefix string) []sandbox.Entry {
	var out []sandbox.Entry
	for _, en := range e.srv.Tree(qsandbox.Name) {
		if strings.HasPrefix(en.Path, prefix) {
			out = append(out, en)
		}
	}
	return out
}

func home(path string) string { return "/" + email + "/" + path }

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func plan(dir []string, name string, data []byte, chunk int64, pol provider.ConflictPolicy) provider.Upload {
	return provider.Upload{
		Dir: dir, Name: name, RelPath: name, Size: int64(len(data)), ChunkSize: chunk, Conflict: pol,
		ModTime: time.Date(2025, 6, 7, 8, 9, 10, 123456789, time.UTC),
	}
}

func putChunk(ctx context.Context, s provider.Session, u provider.Upload, data []byte, i int) error {
	c := u.Chunk(i)
	return s.PutChunk(ctx, c, io.NewSectionReader(bytes.NewReader(data), c.Offset, c.Size))
}

// upload runs a whole upload.
func upload(ctx context.Context, p provider.Provider, u provider.Upload, data []byte) (provider.Result, error) {
	s, err := p.Begin(ctx, u)
	if err != nil {
		return provider.Result{}, err
	}
	for i := range u.Chunks() {
		if err := putChunk(ctx, s, u, data, i); err != nil {
			return provider.Result{}, err
		}
	}
	return s.Finish(ctx)
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

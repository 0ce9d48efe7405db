package filesro

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// testbed is a sandbox serving the files.ro API.
type testbed struct {
	t   testing.TB
	srv *sandbox.Server
	api *sbfilesro.API
}

func newTestbed(t testing.TB, opt sbfilesro.Options, cfg sandbox.Config) *testbed {
	t.Helper()
	api, err := sbfilesro.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	cfg.APIs = []sandbox.API{api}
	srv, err := sandbox.New(cfg)
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
	return &testbed{t: t, srv: srv, api: api}
}

func (tb *testbed) share(name string) sbfilesro.Share {
	s, _, ok := tb.api.ShareByName(name)
	if !ok {
		tb.t.Fatalf("no share %q", name)
	}
	return s
}

// provider returns a client for the named share (with its password).
func (tb *testbed) provider(name string, edit ...func(*Config)) *Provider {
	tb.t.Helper()
	s := tb.share(name)
	cfg := Config{BaseURL: tb.srv.BaseURL(), Token: s.Token, Password: s.Password, PinSHA256: tb.srv.CertFingerprint()}
	for _, e := range edit {
		e(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		tb.t.Fatal(err)
	}
	return p
}

// stored returns the tree entry at path, if any.
func (tb *testbed) stored(path string) (sandbox.Entry, bool) {
	for _, e := range tb.srv.Tree("filesro") {
		if e.Path == path {
			return e, true
		}
	}
	return sandbox.Entry{}, false
}

func (tb *testbed) files() []sandbox.Entry {
	var out []sandbox.Entry
	for _, e := range tb.srv.Tree("filesro") {
		if e.Kind == sandbox.KindFile {
			out = append(out, e)
		}
	}
	return out
}

func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func hexSHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func plan(dir []string, name string, data []byte, chunk int64) provider.Upload {
	return provider.Upload{
		Dir: dir, Name: name, RelPath: name, Size: int64(len(data)), ChunkSize: chunk,
		ModTime: time.Unix(1_700_000_000, 0), Conflict: provider.ConflictRename,
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// upload runs Begin, every chunk in order and Finish once, returning the
// first error.
func upload(c context.Context, p provider.Provider, u provider.Upload, data []byte) (provider.Result, error) {
	s, err := p.Begin(c, u)
	if err != nil {
		return provider.Result{}, err
	}
	for i := range u.Chunks() {
		ch := u.Chunk(i)
		if err := s.PutChunk(c, ch, io.NewSectionReader(bytes.NewReader(data), ch.Offset, ch.Size)); err != nil {
			return provider.Result{}, err
		}
	}
	return s.Finish(c)
}

package twake

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/providertest"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
	"github.com/golang-jwt/jwt/v5"
)

// testServer is a strict sandbox speaking the Twake API.
type testServer struct {
	srv *sandbox.Server
	api *sbtwake.API
	// pendingDir is the PendingDir of every provider of the test, so a
	// second provider sees the records of the first, as after a restart.
	pendingDir string
}

func startSandbox(t testing.TB, mod func(*sandbox.Config)) *testServer {
	t.Helper()
	return startSandboxWith(t, sbtwake.Config{}, mod)
}

// startSandboxWith starts a strict sandbox whose Twake API has tc (with
// the tests' secret).
func startSandboxWith(t testing.TB, tc sbtwake.Config, mod func(*sandbox.Config)) *testServer {
	t.Helper()
	tc.Secret = []byte("sandbox-secret-for-tests-0123456")
	a := sbtwake.New(tc)
	cfg := sandbox.Config{APIs: []sandbox.API{a}, Strict: true, Dir: t.TempDir()}
	if mod != nil {
		mod(&cfg)
	}
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
	return &testServer{srv: srv, api: a, pendingDir: t.TempDir()}
}

// token mints a token for the sandbox's user expiring at exp.
func (ts *testServer) token(t testing.TB, exp time.Time) string {
	t.Helper()
	tok, err := ts.api.Token(ts.api.UserID(), exp)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// config is a valid provider configuration for the sandbox.
func (ts *testServer) config(t testing.TB) Config {
	return Config{
		BaseURL: ts.srv.BaseURL(), CompanyID: ts.api.CompanyID(),
		Token: ts.token(t, time.Now().Add(time.Hour)), ChunkSize: MinChunkSize, PendingDir: ts.pendingDir,
	}
}

func (ts *testServer) provider(t testing.TB, mod func(*Config)) *Provider {
	t.Helper()
	cfg := ts.config(t)
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// entries lists what a user of the target sees: with Drive folders the
// Drive tree (plus file entities not registered in Drive, as partial),
// otherwise the flat file entities under their names.
func (ts *testServer) entries(t testing.TB, drive bool) []providertest.Entry {
	var out []providertest.Entry
	tree := ts.srv.Tree(sbtwake.Name)
	registered := map[string]bool{}
	for _, e := range tree {
		if strings.HasPrefix(e.Path, "/drive/") && e.Kind == sandbox.KindFile {
			registered[e.Meta["external_id"]] = true
			if drive {
				out = append(out, entry(t, strings.TrimPrefix(e.Path, "/drive/"), e))
			}
		}
	}
	for _, e := range tree {
		if !strings.HasPrefix(e.Path, "/files/") {
			continue
		}
		id := strings.TrimPrefix(e.Path, "/files/")
		if drive && registered[id] {
			continue
		}
		en := entry(t, e.Meta["name"], e)
		en.Partial = en.Partial || drive
		out = append(out, en)
	}
	return out
}

func entry(t testing.TB, p string, e sandbox.Entry) providertest.Entry {
	sum, err := hex.DecodeString(e.SHA256)
	if err != nil {
		t.Fatalf("entry %s: sha256 %q: %v", e.Path, e.SHA256, err)
	}
	return providertest.Entry{Path: p, Size: e.Size, SHA256: sum, Partial: e.Kind != sandbox.KindFile}
}

// chunkPosts counts the chunk POSTs the sandbox received for file id.
func (ts *testServer) chunkPosts(id string) int {
	return sbtwake.ChunkPosts(ts.srv.Log(), id)
}

// foreignToken is a well-formed token signed with a secret the sandbox
// does not know.
func foreignToken(t testing.TB, sub string, exp time.Time) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject: sub, ExpiresAt: jwt.NewNumericDate(exp),
	}).SignedString([]byte("not-the-sandbox-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func kindOf(err error) error {
	k, _ := provider.Classify(err)
	return k
}

func TestConformanceDriveFolders(t *testing.T) {
	ts := startSandbox(t, func(c *sandbox.Config) { c.Strict = false }) // the real-model default
	providertest.Run(t, providertest.Harness{
		New: func(t testing.TB, s providertest.Settings) provider.Provider {
			return ts.provider(t, func(c *Config) {
				c.DriveFolders = true
				if s.BadCredentials {
					c.Token = foreignToken(t, ts.api.UserID(), time.Now().Add(time.Hour))
				}
			})
		},
		Stored: func(t testing.TB) []providertest.Entry { return ts.entries(t, true) },
		Dir:    []string{"conformance", "sub dir"},
	})
}

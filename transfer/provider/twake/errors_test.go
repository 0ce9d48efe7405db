package twake

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
	"github.com/golang-jwt/jwt/v5"
)

// rawChunk posts a chunk outside the provider, as another client would.
func (ts *testServer) rawChunk(t testing.TB, token, id string, q url.Values, data []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile("file", "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", ts.srv.BaseURL()+"/internal/services/files/v1/companies/"+ts.api.CompanyID()+
		"/files/"+id+"?"+q.Encode(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("raw chunk: %d %s", resp.StatusCode, body)
	}
}

// A resumed session reads the file and compares upload_data with what was
// sent: an application (which may change metadata) re-declaring the file
// after the last chunk makes it fail instead of reporting a file of the
// wrong size. (A session that sent a chunk itself finishes on that
// chunk's answer, checked by matchPlan: a change after it is the same race
// before or after one more read.)
func TestFinishDetectsServerMismatch(t *testing.T) {
	ts := startSandbox(t, func(c *sandbox.Config) { c.Switches = map[string]bool{sbtwake.SwitchSamePlan: false} })
	p := ts.provider(t, nil)
	f := newTestFile("m.bin", 2*MinChunkSize)
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := f.put(t, s, i); err != nil {
			t.Fatal(err)
		}
	}
	app, err := ts.api.SignClaims(sbtwake.Claims{ApplicationID: "some-app", RegisteredClaims: jwtClaims(ts.api.UserID())})
	if err != nil {
		t.Fatal(err)
	}
	ts.rawChunk(t, app, fileID(t, s), url.Values{
		"chunk_number": {"2"}, "total_chunks": {"3"},
		"total_size": {"999999"}, "filename": {"m.bin"},
	}, f.data[MinChunkSize:])
	// Resume reads the file, and finds the new plan there already.
	_, err = p.Resume(ctx(t), f.u, s.State())
	if err == nil || !strings.Contains(err.Error(), "999999 bytes in 3 chunks") {
		t.Fatalf("finish after the server changed the plan: %v", err)
	}
}

// A chunk answer showing another plan (the first chunk to arrive fixed it)
// means the file can never download right: ErrSessionGone, entity deleted.
func TestPutChunkDetectsForeignPlan(t *testing.T) {
	ts := startSandbox(t, func(c *sandbox.Config) { c.Switches = map[string]bool{sbtwake.SwitchSamePlan: false} })
	p := ts.provider(t, nil)
	f := newTestFile("foreign.bin", 2*MinChunkSize)
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	id := fileID(t, s)
	ts.rawChunk(t, ts.config(t).Token, id, url.Values{
		"chunk_number": {"1"}, "total_chunks": {"4"},
		"total_size": {"4"}, "filename": {"other.bin"},
	}, []byte("a"))
	err = f.put(t, s, 1)
	if !errors.Is(err, provider.ErrSessionGone) || !strings.Contains(err.Error(), `"other.bin", 4 bytes in 4 chunks`) {
		t.Fatalf("put into a file fixed to another plan: %v", err)
	}
	if _, found := ts.api.Completion("", id); found {
		t.Fatal("useless entity left behind")
	}
}

func TestAuthErrors(t *testing.T) {
	ts := startSandbox(t, nil)
	f := newTestFile("a.bin", 10)
	expired := ts.provider(t, func(c *Config) { c.Token = ts.token(t, time.Now().Add(-time.Hour)) })
	for name, err := range map[string]error{"check": expired.Check(ctx(t)), "begin": beginErr(t, expired, f.u)} {
		if kindOf(err) != provider.ErrAuth || !strings.Contains(err.Error(), "the JWT expired at") {
			t.Errorf("%s with an expired token: %v", name, err)
		}
	}
	foreign := ts.provider(t, func(c *Config) { c.Token = foreignToken(t, ts.api.UserID(), time.Now().Add(time.Hour)) })
	err := foreign.Check(ctx(t))
	if kindOf(err) != provider.ErrAuth || !strings.Contains(err.Error(), "rejected the JWT") {
		t.Errorf("check with a foreign token: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), foreign.cfg.Token) {
		t.Error("error quotes the token")
	}
	for _, drive := range []bool{false, true} {
		if err := ts.provider(t, func(c *Config) { c.DriveFolders = drive }).Check(ctx(t)); err != nil {
			t.Errorf("check (drive %v): %v", drive, err)
		}
	}
	// Check leaves nothing behind.
	for _, e := range ts.srv.Tree(sbtwake.Name) {
		if strings.HasPrefix(e.Path, "/files/") {
			t.Fatalf("check left %s", e.Path)
		}
	}
}

func beginErr(t testing.TB, p *Provider, u provider.Upload) error {
	_, err := p.Begin(ctx(t), u)
	return err
}

// TestStatusMapping drives the provider against canned answers.
func TestStatusMapping(t *testing.T) {
	cases := []struct {
		status int
		body   string
		header map[string]string
		init   error // kind for the init call (404 there is a wrong URL)
		get    error // kind for GET of a known id
	}{
		{401, `{"statusCode":401,"error":"Unauthorized","message":"Bad credentials"}`, nil, provider.ErrAuth, provider.ErrAuth},
		{404, `{"error":"Not found"}`, nil, provider.ErrPermanent, provider.ErrSessionGone},
		{413, `{"statusCode":413,"error":"Payload Too Large","message":"too big"}`, nil, provider.ErrTooLarge, provider.ErrTooLarge},
		{429, `{}`, map[string]string{"Retry-After": "7"}, provider.ErrRetryable, provider.ErrRetryable},
		{500, `{"statusCode":500,"error":"Internal Server Error","message":"Something went wrong"}`, nil, provider.ErrRetryable, provider.ErrRetryable},
		{400, `{"statusCode":400,"error":"Bad Request","message":"nope"}`, nil, provider.ErrPermanent, provider.ErrPermanent},
		{507, ``, nil, provider.ErrQuota, provider.ErrQuota},
		{200, `{"resource":{"id":""}}`, nil, provider.ErrPermanent, provider.ErrPermanent},
		{200, `not json`, nil, provider.ErrPermanent, provider.ErrPermanent},
		{200, `{"resource":{"id":"a/b"}}`, nil, provider.ErrPermanent, provider.ErrPermanent},
	}
	for _, c := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			for k, v := range c.header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(c.status)
			_, _ = io.WriteString(w, c.body)
		}))
		p, err := New(Config{BaseURL: srv.URL, CompanyID: "c", Token: validLookingToken(t), PendingDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.initFile(ctx(t), "test", nil)
		if k := kindOf(err); k != c.init {
			t.Errorf("init %d %s: %v (%v), want %v", c.status, c.body, k, err, c.init)
		}
		_, err = p.getFile(ctx(t), "test", "id")
		if k := kindOf(err); k != c.get {
			t.Errorf("get %d %s: %v (%v), want %v", c.status, c.body, k, err, c.get)
		}
		if _, ra := provider.Classify(err); c.status == 429 && ra != 7*time.Second {
			t.Errorf("429: Retry-After %v, want 7s", ra)
		}
		srv.Close()
	}
	// Nothing listening: retryable.
	p, err := New(Config{BaseURL: "http://127.0.0.1:1", CompanyID: "c", Token: validLookingToken(t), PendingDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.initFile(ctx(t), "test", nil); kindOf(err) != provider.ErrRetryable {
		t.Errorf("connection refused: %v", err)
	}
}

// Injected 429s from the sandbox reach the engine with their Retry-After.
func TestSandbox429(t *testing.T) {
	ts := startSandbox(t, func(c *sandbox.Config) {
		c.Faults = sandbox.FaultProfile{TooMany: 1, RetryAfter: 3 * time.Second}
	})
	_, err := ts.provider(t, nil).Begin(ctx(t), newTestFile("r.bin", 1).u)
	if k, ra := provider.Classify(err); k != provider.ErrRetryable || ra != 3*time.Second {
		t.Fatalf("429: %v %v (%v)", k, ra, err)
	}
}

// A local file that shrinks under the upload is a local, permanent error,
// not a network one to retry.
func TestShortChunkBody(t *testing.T) {
	ts := startSandbox(t, nil)
	p := ts.provider(t, nil)
	f := newTestFile("short.bin", 2*MinChunkSize)
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	c := f.u.Chunk(0)
	err = s.PutChunk(ctx(t), c, bytes.NewReader(f.data[:100]))
	if kindOf(err) != provider.ErrPermanent || !errors.Is(err, rest.ErrShortBody) {
		t.Fatalf("short body: %v", err)
	}
	if _, ok := ts.api.Completion("", fileID(t, s)); !ok {
		t.Fatal("file gone")
	}
	if c, _ := ts.api.Completion("", fileID(t, s)); len(c.Present) != 0 {
		t.Fatalf("a short chunk was stored: %+v", c)
	}
}

func jwtClaims(sub string) jwt.RegisteredClaims {
	return jwt.RegisteredClaims{Subject: sub, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}
}

// A self-signed server is reachable with its pinned fingerprint, and a
// wrong pin is a permanent error (retrying cannot fix a certificate).
func TestPinnedTLS(t *testing.T) {
	ts := startSandbox(t, func(c *sandbox.Config) { c.TLS = true })
	if err := ts.provider(t, func(c *Config) { c.PinSHA256 = ts.srv.CertFingerprint() }).Check(ctx(t)); err != nil {
		t.Fatalf("pinned check: %v", err)
	}
	wrong := strings.Repeat("ab", 32)
	if err := ts.provider(t, func(c *Config) { c.PinSHA256 = wrong }).Check(ctx(t)); kindOf(err) != provider.ErrPermanent {
		t.Fatalf("wrong pin: %v", err)
	}
	if err := ts.provider(t, nil).Check(ctx(t)); kindOf(err) != provider.ErrPermanent {
		t.Fatalf("unpinned self-signed: %v", err)
	}
}

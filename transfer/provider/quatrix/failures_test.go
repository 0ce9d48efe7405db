package quatrix_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix"
	qsandbox "github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
)

// TestKeyExpiredMidUpload: an expired upload key is ErrSessionGone, the
// placeholder is deleted at once, and a fresh Begin under the rename
// policy gets the plain name back (no "name(1).ext" copy).
func TestKeyExpiredMidUpload(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "session")
	ctx := ctxT(t)
	data := randomBytes(t, 2*quatrix.MinChunkSize+1)
	u := plan([]string{"k"}, "v.bin", data, quatrix.MinChunkSize, provider.ConflictRename)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := putChunk(ctx, s, u, data, 0); err != nil {
		t.Fatal(err)
	}
	e.api.ExpireUploadKeys()
	err = putChunk(ctx, s, u, data, 1)
	if !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("chunk after key expiry: %v, want ErrSessionGone", err)
	}
	if got := e.under(home("k/")); len(got) != 0 {
		t.Fatalf("placeholder left after a lost session: %+v", got)
	}
	res, err := upload(ctx, p, u, data)
	if err != nil || res.RemoteName != "v.bin" {
		t.Fatalf("restart: %+v, %v; want v.bin", res, err)
	}
}

// TestAbsoluteKeyTTL: with an absolute TTL, a key dies 15 minutes after
// creation even while chunks keep arriving.
func TestAbsoluteKeyTTL(t *testing.T) {
	e := newEnv(t, envOpts{cfg: qsandbox.Config{KeyTTLAbsolute: true}})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	data := randomBytes(t, 3*quatrix.MinChunkSize)
	u := plan(nil, "abs.bin", data, quatrix.MinChunkSize, provider.ConflictRename)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		e.clock.Advance(7 * time.Minute)
		if err := putChunk(ctx, s, u, data, i); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(2 * time.Minute)
	if err := putChunk(ctx, s, u, data, 2); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("chunk 16 minutes after the link: %v, want ErrSessionGone", err)
	}
}

// TestRetryableChunkFailures: a 429 with Retry-After and a connection
// dropped mid-body are retryable; repeating the chunk then succeeds.
func TestRetryableChunkFailures(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	data := randomBytes(t, 3*quatrix.MinChunkSize+5)
	u := plan(nil, "retry.bin", data, quatrix.MinChunkSize, provider.ConflictRename)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	e.api.FailChunk(1, http.StatusTooManyRequests, 3*time.Second)
	err = putChunk(ctx, s, u, data, 0)
	if k, ra := provider.Classify(err); k != provider.ErrRetryable || ra != 3*time.Second {
		t.Fatalf("429: %v classified %v after %v, want retryable after 3s", err, k, ra)
	}
	if err := putChunk(ctx, s, u, data, 0); err != nil {
		t.Fatal(err)
	}
	e.api.FailChunk(1, http.StatusServiceUnavailable, 0)
	if err := putChunk(ctx, s, u, data, 1); !provider.IsRetryable(err) {
		t.Fatalf("503: %v, want retryable", err)
	}
	e.api.ResetChunk(1)
	if err := putChunk(ctx, s, u, data, 1); !provider.IsRetryable(err) {
		t.Fatalf("reset mid-body: %v, want retryable", err)
	}
	for i := 1; i < u.Chunks(); i++ {
		if err := putChunk(ctx, s, u, data, i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if en, _ := e.entry(home("retry.bin")); en.SHA256 != sha(data) {
		t.Errorf("stored %+v, want sha %s", en, sha(data))
	}
}

// TestZeroByteSkipsChunks: an empty file goes straight to finalize.
func TestZeroByteSkipsChunks(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "apikey")
	res, err := upload(ctxT(t), p, plan(nil, "empty", nil, quatrix.MinChunkSize, provider.ConflictRename), nil)
	if err != nil || res.Size != 0 {
		t.Fatalf("empty upload: %+v, %v", res, err)
	}
	if c := e.api.Counts(); c.Chunks != 0 || c.Finalizes != 1 {
		t.Errorf("counts %+v, want no chunk and one finalize", c)
	}
	if en, ok := e.entry(home("empty")); !ok || en.Size != 0 || en.Kind != "file" {
		t.Errorf("stored %+v", en)
	}
}

// TestGapRefusedByClient: a chunk beyond the acknowledged bytes is never sent.
func TestGapRefusedByClient(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	data := randomBytes(t, 3*quatrix.MinChunkSize)
	u := plan(nil, "gap.bin", data, quatrix.MinChunkSize, provider.ConflictRename)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := putChunk(ctx, s, u, data, 1); !errors.Is(err, provider.ErrPermanent) {
		t.Fatalf("chunk 1 before chunk 0: %v, want a permanent error", err)
	}
	if n := e.api.Counts().Chunks; n != 0 {
		t.Errorf("%d chunk POSTs reached the server", n)
	}
	if err := s.Abort(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestResumeOfOverwriteKeepsOriginal: Resume with the state of an
// interrupted overwrite deletes nothing and reports ErrSessionGone.
func TestResumeOfOverwriteKeepsOriginal(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	orig := []byte("original content")
	u := plan(nil, "keep.txt", orig, quatrix.MinChunkSize, provider.ConflictOverwrite)
	if _, err := upload(ctx, p, u, orig); err != nil {
		t.Fatal(err)
	}
	next := bytes.Repeat([]byte("n"), 3*quatrix.MinChunkSize)
	u2 := plan(nil, "keep.txt", next, quatrix.MinChunkSize, provider.ConflictOverwrite)
	s, err := p.Begin(ctx, u2)
	if err != nil {
		t.Fatal(err)
	}
	if err := putChunk(ctx, s, u2, next, 0); err != nil {
		t.Fatal(err)
	}
	state := s.State()
	if _, err := e.provider(t, "apikey").Resume(ctx, u2, state); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("resume: %v, want ErrSessionGone", err)
	}
	if en, ok := e.entry(home("keep.txt")); !ok || en.SHA256 != sha(orig) {
		t.Fatalf("original after an interrupted overwrite: %+v (found %v)", en, ok)
	}
	if _, err := e.provider(t, "apikey").Resume(ctx, u2, []byte("{garbage")); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("resume of unreadable state: %v, want ErrSessionGone", err)
	}
}

// TestStateHoldsNoSecrets: the persisted state names server objects only.
func TestStateHoldsNoSecrets(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, mode := range []string{"apikey", "session"} {
		p := e.provider(t, mode)
		ctx := ctxT(t)
		data := []byte("abc")
		s, err := p.Begin(ctx, plan(nil, "state-"+mode, data, quatrix.MinChunkSize, provider.ConflictRename))
		if err != nil {
			t.Fatal(err)
		}
		st := string(s.State())
		for _, secret := range []string{apiKey, password, email} {
			if strings.Contains(st, secret) {
				t.Errorf("%s: state %s contains a credential", mode, st)
			}
		}
		var fields map[string]any
		if err := json.Unmarshal(s.State(), &fields); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"upload_key", "file_id", "placeholder"} {
			if _, ok := fields[k]; !ok {
				t.Errorf("%s: state %s lacks %s", mode, st, k)
			}
		}
		if err := s.Abort(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStaleFolderCache: a cached folder deleted on the server is
// recreated on the next upload instead of failing.
func TestStaleFolderCache(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	data := []byte("x")
	if _, err := upload(ctx, p, plan([]string{"gone"}, "a", data, quatrix.MinChunkSize, provider.ConflictRename), data); err != nil {
		t.Fatal(err)
	}
	folder, ok := e.entry(home("gone"))
	if !ok {
		t.Fatal("folder not created")
	}
	if err := e.srv.Store().Delete(qsandbox.Name, folder.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := upload(ctx, p, plan([]string{"gone"}, "b", data, quatrix.MinChunkSize, provider.ConflictRename), data); err != nil {
		t.Fatalf("upload into a folder deleted behind the cache: %v", err)
	}
	if _, ok := e.entry(home("gone/b")); !ok {
		t.Error("file not stored in the recreated folder")
	}
}

func TestLimits(t *testing.T) {
	e := newEnv(t, envOpts{user: qsandbox.User{MaxFileSize: 10 * quatrix.MinChunkSize, Quota: 4 * quatrix.MinChunkSize}})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	big := make([]byte, 11*quatrix.MinChunkSize)
	if _, err := p.Begin(ctx, plan(nil, "big", big, quatrix.MinChunkSize, provider.ConflictRename)); !errors.Is(err, provider.ErrTooLarge) {
		t.Errorf("file over max_file_size: %v, want ErrTooLarge", err)
	}
	mid := make([]byte, 5*quatrix.MinChunkSize)
	if _, err := p.Begin(ctx, plan(nil, "mid", mid, quatrix.MinChunkSize, provider.ConflictRename)); !errors.Is(err, provider.ErrQuota) {
		t.Errorf("file over the quota: %v, want ErrQuota", err)
	}
}

// tamper runs a reverse proxy in front of the sandbox that rewrites the
// responses of one path prefix, to feed the client answers the sandbox
// never gives.
func tamper(t *testing.T, e *env, prefix string, rewrite func(body []byte) []byte) string {
	t.Helper()
	target, err := url.Parse(e.srv.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(r *http.Response) error {
		if !strings.HasPrefix(r.Request.URL.Path, prefix) || r.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body.Close()
		body = rewrite(body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Del("Content-Length")
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestFinalizeSizeMismatchIsError: a finalize answer with another size
// than uploaded is an error, never a success.
func TestFinalizeSizeMismatchIsError(t *testing.T) {
	e := newEnv(t, envOpts{})
	base := tamper(t, e, "/api/1.0/upload/finalize/", func(b []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("finalize answer: %v", err)
		}
		m["size"] = 1
		out, _ := json.Marshal(m) // a map of decoded JSON always encodes
		return out
	})
	p := e.provider(t, "apikey", func(c *quatrix.Config) { c.BaseURL = base })
	data := []byte("twelve bytes")
	_, err := upload(ctxT(t), p, plan(nil, "mm.bin", data, quatrix.MinChunkSize, provider.ConflictRename), data)
	if !errors.Is(err, provider.ErrPermanent) || !strings.Contains(err.Error(), "stored 1 bytes, expected 12") {
		t.Fatalf("finalize with a wrong size: %v", err)
	}
}

// TestChunkAnswerMustBeString: a chunk answer that is not the JSON string
// the API documents is an error, not an acknowledgement.
func TestChunkAnswerMustBeString(t *testing.T) {
	e := newEnv(t, envOpts{})
	base := tamper(t, e, "/upload/chunked/", func([]byte) []byte { return []byte(`{"ok":true}`) })
	p := e.provider(t, "apikey", func(c *quatrix.Config) { c.BaseURL = base })
	data := []byte("abc")
	_, err := upload(ctxT(t), p, plan(nil, "s.bin", data, quatrix.MinChunkSize, provider.ConflictRename), data)
	if !errors.Is(err, provider.ErrPermanent) {
		t.Fatalf("chunk answered with an object: %v, want a permanent error", err)
	}
}

func TestNewValidates(t *testing.T) {
	cases := []struct {
		name string
		cfg  quatrix.Config
		want string
	}{
		{"no url", quatrix.Config{APIKey: "k"}, "base URL is required"},
		{"plain http remote", quatrix.Config{BaseURL: "http://example.quatrix.it", APIKey: "k"}, "plain http"},
		{"path", quatrix.Config{BaseURL: "https://h.example/other", APIKey: "k"}, "unexpected path"},
		{"both modes", quatrix.Config{BaseURL: "https://h.example", APIKey: "k", Email: "a", Password: "b"}, "not both"},
		{"no creds", quatrix.Config{BaseURL: "https://h.example"}, "is required"},
		{"half login", quatrix.Config{BaseURL: "https://h.example", Email: "a"}, "both an email and a password"},
		{"bad pin", quatrix.Config{BaseURL: "https://h.example", APIKey: "k", PinSHA256: "zz"}, "not a SHA-256"},
		{"ftp", quatrix.Config{BaseURL: "ftp://h.example", APIKey: "k"}, "not https"},
	}
	for _, tc := range cases {
		_, err := quatrix.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	for _, ok := range []string{"h.example", "https://h.example/api/1.0/", "http://127.0.0.1:8080", "http://localhost:1"} {
		if _, err := quatrix.New(quatrix.Config{BaseURL: ok, APIKey: "k"}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestLoginRateLimited: the 16th login in 15 minutes is a 429, which the
// client reports as retryable after the server's Retry-After.
func TestLoginRateLimited(t *testing.T) {
	e := newEnv(t, envOpts{switches: map[string]bool{qsandbox.SwitchLoginLimit: true}})
	ctx := ctxT(t)
	for i := range 15 {
		if err := e.provider(t, "session").Check(ctx); err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
	}
	err := e.provider(t, "session").Check(ctx)
	if k, ra := provider.Classify(err); k != provider.ErrRetryable || ra <= 0 {
		t.Fatalf("16th login: %v classified %v after %v, want retryable with a Retry-After", err, k, ra)
	}
}

// TestChunkTooLarge: a 413 on a chunk is ErrTooLarge and deletes the
// placeholder, since the engine restarts the file with smaller chunks.
func TestChunkTooLarge(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	data := randomBytes(t, 2*quatrix.MinChunkSize)
	u := plan([]string{"big"}, "b.bin", data, quatrix.MinChunkSize, provider.ConflictRename)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	e.api.FailChunk(1, http.StatusRequestEntityTooLarge, 0)
	if err := putChunk(ctx, s, u, data, 0); !errors.Is(err, provider.ErrTooLarge) {
		t.Fatalf("413 chunk: %v, want ErrTooLarge", err)
	}
	if got := e.under(home("big/")); len(got) != 0 {
		t.Fatalf("placeholder left after a 413: %+v", got)
	}
	u.ChunkSize = quatrix.MinChunkSize / 2
	if res, err := upload(ctx, p, u, data); err != nil || res.RemoteName != "b.bin" {
		t.Fatalf("restart with smaller chunks: %+v, %v", res, err)
	}
}

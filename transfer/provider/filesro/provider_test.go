package filesro

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

func kindOf(err error) error {
	k, _ := provider.Classify(err)
	return k
}

func TestUploadRecreatesFolders(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true})
	p := tb.provider("editor")
	data := randomData(3*MinChunkSize+17, 1)
	res, err := upload(ctx(t), p, plan([]string{"Photos", "2024 summer"}, "beach day.jpg", data, MinChunkSize), data)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := tb.stored("/editor/Photos/2024 summer/beach day.jpg")
	if !ok || e.SHA256 != hexSHA(data) || e.Size != int64(len(data)) {
		t.Fatalf("stored %+v, %v; tree %+v", e, ok, tb.srv.Tree("filesro"))
	}
	if res.RemoteID != e.ID || res.RemoteName != "beach day.jpg" || res.Link == "" ||
		res.RemotePath != "/Photos/2024 summer/beach day.jpg" || res.Size != int64(len(data)) {
		t.Fatalf("result %+v", res)
	}
	// Top-level file: no path field, lands in the share folder.
	small := []byte("tiny")
	if _, err := upload(ctx(t), p, plan(nil, "top.txt", small, MinChunkSize), small); err != nil {
		t.Fatal(err)
	}
	if e, ok := tb.stored("/editor/top.txt"); !ok || e.SHA256 != hexSHA(small) {
		t.Fatalf("top-level file: %+v %v", e, ok)
	}
}

func TestParentID(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true})
	seed := []byte("seed")
	if _, err := upload(ctx(t), tb.provider("editor"), plan([]string{"inbox"}, "seed", seed, MinChunkSize), seed); err != nil {
		t.Fatal(err)
	}
	inbox, _ := tb.stored("/editor/inbox")
	p := tb.provider("editor", func(c *Config) { c.ParentID = inbox.ID })
	if _, err := upload(ctx(t), p, plan([]string{"a"}, "x", seed, MinChunkSize), seed); err != nil {
		t.Fatal(err)
	}
	if _, ok := tb.stored("/editor/inbox/a/x"); !ok {
		t.Fatalf("tree %+v", tb.srv.Tree("filesro"))
	}
	_, otherFolder, _ := tb.api.ShareByName("visitor")
	outside := tb.provider("editor", func(c *Config) { c.ParentID = otherFolder })
	_, err := upload(ctx(t), outside, plan(nil, "y", seed, MinChunkSize), seed)
	if kindOf(err) != provider.ErrPermanent || !strings.Contains(err.Error(), "not inside the share") {
		t.Fatalf("parent outside the share: %v", err)
	}
}

// TestErrorKinds covers every rejection a client can trigger (2.7).
func TestErrorKinds(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{UploadLimit: 600 << 10, Quota: 1 << 20, MaxRequestBody: 2 << 20}, sandbox.Config{Strict: true})
	data := randomData(300<<10, 2)
	cases := []struct {
		name string
		p    *Provider
		data []byte
		want error
		msg  string
	}{
		{"unknown token", tb.provider("editor", func(c *Config) { c.Token = "NoSuchShare12345" }), data, provider.ErrAuth, "share link is unknown"},
		{"visitor share", tb.provider("visitor"), data, provider.ErrAuth, "visitor"},
		{"protected without password", tb.provider("protected", func(c *Config) { c.Password = "" }), data, provider.ErrAuth, "password-protected"},
		{"wrong password", tb.provider("protected", func(c *Config) { c.Password = "wrong" }), data, provider.ErrAuth, "wrong share password"},
		{"upload limit", tb.provider("editor"), randomData(700<<10, 3), provider.ErrTooLarge, ""},
		{"request body cap", tb.provider("editor", func(c *Config) { c.ChunkSize = 3 << 20 }), randomData(3<<20, 4), provider.ErrTooLarge, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chunk := int64(MinChunkSize)
			if c.p.cfg.ChunkSize > DefaultChunkSize || c.name == "request body cap" {
				chunk = int64(len(c.data))
			}
			_, err := upload(ctx(t), c.p, plan(nil, "f-"+c.name, c.data, chunk), c.data)
			if kindOf(err) != c.want || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err %v (kind %v), want kind %v mentioning %q", err, kindOf(err), c.want, c.msg)
			}
		})
	}
	// Fill the quota (1 MiB) with two files, then one more does not fit.
	for i := range 2 {
		d := randomData(400<<10, uint64(10+i))
		if _, err := upload(ctx(t), tb.provider("editor"), plan(nil, "fill", d, MinChunkSize), d); err != nil {
			t.Fatal(err)
		}
	}
	d := randomData(300<<10, 20)
	if _, err := upload(ctx(t), tb.provider("editor"), plan(nil, "over", d, MinChunkSize), d); kindOf(err) != provider.ErrQuota {
		t.Fatalf("quota: %v", err)
	}
	if n := len(tb.files()); n != 2 {
		t.Fatalf("%d files stored, want the 2 that fit", n)
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{RateLimit: 2}, sandbox.Config{Strict: true, Switches: map[string]bool{"filesro.ratelimit": true}})
	p := tb.provider("editor")
	data := randomData(3*MinChunkSize, 5)
	u := plan(nil, "limited", data, MinChunkSize)
	s, err := p.Begin(ctx(t), u)
	if err != nil {
		t.Fatal(err)
	}
	put := func(i int) error {
		c := u.Chunk(i)
		return s.PutChunk(ctx(t), c, io.NewSectionReader(strings.NewReader(string(data)), c.Offset, c.Size))
	}
	for i := range 2 {
		if err := put(i); err != nil {
			t.Fatal(err)
		}
	}
	err = put(2)
	k, after := provider.Classify(err)
	if k != provider.ErrRetryable || after <= 0 || after > time.Minute {
		t.Fatalf("throttled: %v kind %v retry after %v", err, k, after)
	}
	// A 429 comes before the append: the same key may be retried.
	if err := put(2); kindOf(err) != provider.ErrRetryable {
		t.Fatalf("retry of a throttled chunk: %v, want another 429, not ErrSessionGone", err)
	}
}

// TestAmbiguousFailureRestarts: a 5xx after the body was sent may follow
// an append, so the retry of that chunk is refused with ErrSessionGone and
// a restart under a new key stores the file exactly once.
func TestAmbiguousFailureRestarts(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true, Faults: sandbox.FaultProfile{Status: map[int]float64{503: 1}}})
	p := tb.provider("editor")
	data := randomData(2*MinChunkSize, 6)
	u := plan(nil, "ambiguous", data, MinChunkSize)
	s, err := p.Begin(ctx(t), u)
	if err != nil {
		t.Fatal(err)
	}
	c := u.Chunk(0)
	body := io.NewSectionReader(strings.NewReader(string(data)), c.Offset, c.Size)
	if err := s.PutChunk(ctx(t), c, body); kindOf(err) != provider.ErrRetryable {
		t.Fatalf("first attempt: %v", err)
	}
	err = s.PutChunk(ctx(t), c, body)
	if !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("second attempt: %v, want ErrSessionGone", err)
	}
	if errors.Is(err, provider.ErrMaybeStored) {
		t.Fatalf("second attempt of a chunk that is not the last: %v, must not say the file may be stored", err)
	}
	if got := tb.srv.Stats().Requests["filesro"]["POST /api/v1/shares/{token}/uploads"]; got != 1 {
		t.Fatalf("%d requests reached the server, want 1 (the refused retry must not be sent)", got)
	}

	// The last chunk's request stores the file: after its ambiguous
	// failure the refusal says the file may already be there.
	one := plan(nil, "ambiguous-last", data[:MinChunkSize], MinChunkSize)
	s, err = p.Begin(ctx(t), one)
	if err != nil {
		t.Fatal(err)
	}
	last := one.Chunk(0)
	body = io.NewSectionReader(strings.NewReader(string(data)), last.Offset, last.Size)
	if err := s.PutChunk(ctx(t), last, body); kindOf(err) != provider.ErrRetryable {
		t.Fatalf("first attempt of the last chunk: %v", err)
	}
	if err := s.PutChunk(ctx(t), last, body); !errors.Is(err, provider.ErrSessionGone) || !errors.Is(err, provider.ErrMaybeStored) {
		t.Fatalf("second attempt of the last chunk: %v, want ErrSessionGone wrapping ErrMaybeStored", err)
	}
}

// TestResetMidChunkTwiceIsTooLarge: a chunk cut on every attempt is taken
// for a body size limit at its second cut (ErrTooLarge); the first cut is
// retried under the same key (nothing reached PHP).
func TestResetMidChunkTwiceIsTooLarge(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true, Faults: sandbox.FaultProfile{Reset: 1}})
	data := randomData(4<<20, 7)
	u := plan(nil, "reset", data, int64(len(data)))
	s, err := tb.provider("editor").Begin(ctx(t), u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutChunk(ctx(t), u.Chunk(0), bytes.NewReader(data)); kindOf(err) == provider.ErrTooLarge {
		t.Fatalf("first cut: %v, want it tried again at the same size", err)
	}
	// Every later session of the file is cut at the same chunk: a limit.
	err, _, tooLarge := engineAttemptCounting(ctx(t), tb.provider("editor"), u, data)
	if err == nil || tooLarge == 0 {
		t.Fatalf("cut on every attempt: %v, %d ErrTooLarge; want the cuts taken for a size limit", err, tooLarge)
	}
}

func TestRepeatAndOrderRefused(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true})
	data := randomData(3*MinChunkSize, 8)
	u := plan(nil, "order", data, MinChunkSize)
	s, err := tb.provider("editor").Begin(ctx(t), u)
	if err != nil {
		t.Fatal(err)
	}
	put := func(i int) error {
		c := u.Chunk(i)
		return s.PutChunk(ctx(t), c, io.NewSectionReader(strings.NewReader(string(data)), c.Offset, c.Size))
	}
	if err := put(1); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("out of order: %v", err)
	}
	if err := put(0); err != nil {
		t.Fatal(err)
	}
	if err := put(0); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("repeat: %v", err)
	}
	if _, err := s.Finish(ctx(t)); kindOf(err) != provider.ErrPermanent {
		t.Fatalf("finish before the last chunk: %v", err)
	}
	if _, err := tb.provider("editor").Resume(ctx(t), u, s.State()); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("resume: %v", err)
	}
	if strings.Contains(string(s.State()), tb.share("editor").Token) {
		t.Fatal("state contains the share token")
	}
}

// TestCookieRenewal: a share session the server no longer accepts is
// renewed once with the password, transparently.
func TestCookieRenewal(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true})
	p := tb.provider("protected")
	data := []byte("renewed")
	if _, err := upload(ctx(t), p, plan(nil, "a", data, MinChunkSize), data); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.cookie = "eyJ0b2tlbiI6InN0YWxlIn0" // a session the server never issued
	p.mu.Unlock()
	if _, err := upload(ctx(t), p, plan(nil, "b", data, MinChunkSize), data); err != nil {
		t.Fatalf("upload with a stale session: %v", err)
	}
	if _, ok := tb.stored("/protected/b"); !ok {
		t.Fatal("file missing after renewal")
	}
}

func TestTLS(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true, TLS: true})
	data := []byte("over tls")
	if _, err := upload(ctx(t), tb.provider("editor"), plan(nil, "tls", data, MinChunkSize), data); err != nil {
		t.Fatalf("pinned: %v", err)
	}
	unpinned := tb.provider("editor", func(c *Config) { c.PinSHA256 = "" })
	_, err := upload(ctx(t), unpinned, plan(nil, "tls2", data, MinChunkSize), data)
	if kindOf(err) != provider.ErrPermanent {
		t.Fatalf("unpinned self-signed: %v, want a permanent certificate error", err)
	}
	if len(tb.files()) != 1 {
		t.Fatalf("files %+v", tb.files())
	}
}

func TestNewValidation(t *testing.T) {
	good := Config{BaseURL: "https://files.ro", Token: "abcDEF1234567890"}
	for name, edit := range map[string]func(*Config){
		"no url":      func(c *Config) { c.BaseURL = "" },
		"ftp url":     func(c *Config) { c.BaseURL = "ftp://x" },
		"no token":    func(c *Config) { c.Token = "" },
		"token slash": func(c *Config) { c.Token = "a/b" },
		"bad parent":  func(c *Config) { c.ParentID = "folder_123" },
		"tiny chunk":  func(c *Config) { c.ChunkSize = 1000 },
		"bad pin":     func(c *Config) { c.PinSHA256 = "xyz" },
	} {
		c := good
		edit(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	p, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	caps := p.Capabilities()
	if caps.ParallelChunks || caps.Resumable || caps.DefaultChunkSize != 64_000_000 || caps.Folders != provider.FoldersServerCreated {
		t.Fatalf("capabilities %+v", caps)
	}
	if _, err := p.Begin(ctx(t), provider.Upload{Name: "x", Conflict: provider.ConflictOverwrite}); kindOf(err) != provider.ErrPermanent {
		t.Fatalf("overwrite policy: %v", err)
	}
}

// TestWireFormat checks one chunk request as it leaves the client: fields,
// key, headers, exact Content-Length and no chunked encoding.
func TestWireFormat(t *testing.T) {
	type seen struct {
		fields  map[string]string
		key     string
		chunk   string
		header  http.Header
		length  int64
		encoded []string
	}
	var mu sync.Mutex
	var reqs []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{fields: map[string]string{}, header: r.Header.Clone(), length: r.ContentLength, encoded: r.TransferEncoding}
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(part)
			if part.FormName() == "chunk" {
				s.key, s.chunk = part.FileName(), string(b)
			} else {
				s.fields[part.FormName()] = string(b)
			}
		}
		mu.Lock()
		reqs = append(reqs, s)
		last := s.fields["is_last_chunk"] == "1"
		mu.Unlock()
		if !last {
			w.WriteHeader(200)
			return
		}
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"data":{"id":"f1","type":"file","attributes":{"filesize":"11 B","name":"My File.tar.gz","file_url":"https://x/f"},"relationships":[]}}`)
	}))
	defer srv.Close()
	p, err := New(Config{BaseURL: srv.URL, Token: "Tok3nTok3nTok3n1", ParentID: "0f8fad5b-d9cb-469f-a165-70867728950e", HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("hello world")
	u := plan([]string{"a b", "c"}, "My File.tar.gz", data, 6)
	res, err := upload(ctx(t), p, u, data)
	if err != nil {
		t.Fatal(err)
	}
	if res.RemoteID != "f1" || res.Link != "https://x/f" {
		t.Fatalf("result %+v", res)
	}
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	keyRE := regexp.MustCompile(`^[a-z0-9]{16}-My-File\.tar\.gz\.part$`)
	for i, r := range reqs {
		want := map[string]string{
			"name": "My File.tar.gz", "extension": "gz", "path": "/a b/c/My File.tar.gz",
			"parent_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "is_last_chunk": []string{"0", "1"}[i],
		}
		for k, v := range want {
			if r.fields[k] != v {
				t.Errorf("request %d: %s = %q, want %q", i, k, r.fields[k], v)
			}
		}
		if !keyRE.MatchString(r.key) || r.key != reqs[0].key {
			t.Errorf("request %d: key %q (first %q)", i, r.key, reqs[0].key)
		}
		if r.header.Get("Accept") != "application/json" || r.length <= 0 || len(r.encoded) != 0 {
			t.Errorf("request %d: Accept %q, length %d, encoding %v", i, r.header.Get("Accept"), r.length, r.encoded)
		}
		if r.chunk != string(data[i*6:min(len(data), i*6+6)]) {
			t.Errorf("request %d: chunk %q", i, r.chunk)
		}
	}
	// A second upload of the same file uses a new key.
	if _, err := upload(ctx(t), p, u, data); err != nil {
		t.Fatal(err)
	}
	if reqs[2].key == reqs[0].key {
		t.Fatal("key reused across uploads")
	}
}

func TestSizeCheckOnFinish(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"data":{"id":"f1","type":"file","attributes":{"filesize":"2.4 MB","name":"x"},"relationships":{}}}`)
	}))
	defer srv.Close()
	p, err := New(Config{BaseURL: srv.URL, Token: "Tok3nTok3nTok3n1", HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	data := randomData(1_200_000, 9)
	_, err = upload(ctx(t), p, plan(nil, "x", data, int64(len(data))), data)
	if kindOf(err) != provider.ErrPermanent || !strings.Contains(err.Error(), "stored file is wrong") {
		t.Fatalf("doubled size reported: %v", err)
	}
}

func TestRestClientErrorsArePermanentOnTLS(t *testing.T) {
	// Guard the assumption TestTLS relies on: the shared helper classifies
	// an unknown authority as permanent.
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	c, err := rest.NewClient(rest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(srv.URL)
	if err == nil || kindOf(rest.TransportError("get", err)) != provider.ErrPermanent {
		t.Fatalf("unknown authority: %v", err)
	}
}

// TestValidationRejections: the rejections a correct client can still
// meet are permanent: a refused MIME type (422) and a redirect, which a
// Laravel server sends for a failed validation when it ignores Accept.
func TestValidationRejections(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{DisabledMimetypes: []string{"x-gzip"}}, sandbox.Config{Strict: true})
	gz := append([]byte("\x1f\x8b\x08\x00"), randomData(100, 1)...)
	_, err := upload(ctx(t), tb.provider("editor"), plan(nil, "a.gz", gz, MinChunkSize), gz)
	if kindOf(err) != provider.ErrPermanent || !strings.Contains(err.Error(), "mime type is not allowed") {
		t.Fatalf("refused MIME type: %v", err)
	}

	// The blacklist is checked on every chunk: a middle chunk that sniffs
	// as gzip is refused (DisabledMimetypes on the chunk field).
	mixed := append(randomData(MinChunkSize, 2), gz...)
	for i := range 512 {
		mixed[i] = 'a' // a text first chunk
	}
	_, err = upload(ctx(t), tb.provider("editor"), plan(nil, "mixed.bin", mixed, MinChunkSize), mixed)
	if kindOf(err) != provider.ErrPermanent || !strings.Contains(err.Error(), "put chunk 1") {
		t.Fatalf("gzip-looking second chunk: %v, want a permanent refusal of chunk 1", err)
	}

	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, "/", http.StatusFound)
	}))
	defer srv.Close()
	p, err := New(Config{BaseURL: srv.URL, Token: "Tok3nTok3nTok3n1", HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("x")
	_, err = upload(ctx(t), p, plan(nil, "x", data, MinChunkSize), data)
	if kindOf(err) != provider.ErrPermanent || !strings.Contains(err.Error(), "redirected") {
		t.Fatalf("302: %v", err)
	}
	if hits != 1 {
		t.Fatalf("%d requests: the redirect was followed", hits)
	}
}

// TestAwkwardNames: non-ASCII, quotes, backslashes and very long names
// survive as the file name, and the key stays a usable file name.
func TestAwkwardNames(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true})
	p := tb.provider("editor")
	long := strings.Repeat("é", 120) + ".txt" // 244 bytes
	for _, name := range []string{"résumé été.pdf", `say "hi".txt`, `back\slash.md`, "no-extension", "trailing.", long} {
		data := []byte("content of " + name)
		res, err := upload(ctx(t), p, plan([]string{"weird ✓"}, name, data, MinChunkSize), data)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if e, ok := tb.stored("/editor/weird ✓/" + name); !ok || e.SHA256 != hexSHA(data) || res.RemoteName != name {
			t.Fatalf("%q: stored %+v %v, result %+v", name, e, ok, res)
		}
	}
	if k := NewKey(long); len(k) > maxKeyBytes {
		t.Fatalf("key of %d bytes", len(k))
	}
}

// TestUploadMaxFilesizeIsTooLarge: a 422 "The chunk failed to upload." is
// PHP's upload_max_filesize, a size limit the engine steps down from.
func TestUploadMaxFilesizeIsTooLarge(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{UploadMaxFilesize: MinChunkSize}, sandbox.Config{})
	data := randomData(2*MinChunkSize, 3)
	_, err := upload(ctx(t), tb.provider("editor"), plan(nil, "big.bin", data, 2*MinChunkSize), data)
	var pe *provider.Error
	if kindOf(err) != provider.ErrTooLarge || !errors.As(err, &pe) || pe.Status != 422 {
		t.Fatalf("chunk over upload_max_filesize: %v, want ErrTooLarge with the server's status", err)
	}
	if _, err := upload(ctx(t), tb.provider("editor"), plan(nil, "big.bin", data, MinChunkSize), data); err != nil {
		t.Fatalf("at the smaller size: %v", err)
	}
}

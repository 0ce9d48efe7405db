package filesro

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

type env struct {
	t   *testing.T
	srv *sandbox.Server
	api *API
	c   *http.Client
}

func newEnv(t *testing.T, opt Options, cfg sandbox.Config) *env {
	t.Helper()
	api, err := New(opt)
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
	return &env{t: t, srv: srv, api: api, c: srv.Client()}
}

func strictEnv(t *testing.T, opt Options) *env {
	return newEnv(t, opt, sandbox.Config{Strict: true})
}

func (e *env) token(share string) string {
	s, _, ok := e.api.ShareByName(share)
	if !ok {
		e.t.Fatalf("no share %q", share)
	}
	return s.Token
}

func (e *env) folder(share string) string {
	_, id, _ := e.api.ShareByName(share)
	return id
}

// part is one multipart part; file parts have a filename (possibly "").
type part struct {
	name, value string
	file        bool
	filename    string
}

func field(name, value string) part { return part{name: name, value: value} }

func filePart(name, filename, content string) part {
	return part{name: name, value: content, file: true, filename: filename}
}

// chunkParts is a valid chunk request's parts.
func chunkParts(key, name, content string, last bool, extra ...part) []part {
	l := "0"
	if last {
		l = "1"
	}
	ps := []part{field("name", name), field("extension", extension(name)), field("is_last_chunk", l)}
	ps = append(ps, extra...)
	return append(ps, filePart("chunk", key, content))
}

func multipartBody(t testing.TB, parts []part) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.file {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
			h.Set("Content-Type", "application/octet-stream")
			w, err = mw.CreatePart(h)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, p.value); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("status %d body %q: %v", r.status, r.body, err)
	}
	return v
}

// post sends parts to path with Accept: application/json unless hdr
// overrides it (hdr pairs: name, value; a value "" deletes the header).
func (e *env) post(path string, parts []part, hdr ...string) reply {
	e.t.Helper()
	ct, body := multipartBody(e.t, parts)
	req, err := http.NewRequest(http.MethodPost, e.srv.BaseURL()+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	c := *e.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func uploadsPath(token string) string { return "/api/v1/shares/" + token + "/uploads" }

// entry returns the tree entry at path (from the namespace root).
func (e *env) entry(path string) (sandbox.Entry, bool) {
	for _, en := range e.srv.Tree("filesro") {
		if en.Path == path {
			return en, true
		}
	}
	return sandbox.Entry{}, false
}

func (e *env) mustFile(path, content string) sandbox.Entry {
	e.t.Helper()
	en, ok := e.entry(path)
	if !ok {
		e.t.Fatalf("no %s in tree %+v", path, e.srv.Tree("filesro"))
	}
	if en.Kind != sandbox.KindFile || en.Size != int64(len(content)) || en.SHA256 != sha(content) {
		e.t.Fatalf("%s: %+v, want file of %d bytes sha %s", path, en, len(content), sha(content))
	}
	return en
}

func (e *env) files() int {
	n := 0
	for _, en := range e.srv.Tree("filesro") {
		if en.Kind == sandbox.KindFile {
			n++
		}
	}
	return n
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// fixedClock is a settable clock for the rate limiter.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

func sandboxConfig(strict bool) sandbox.Config { return sandbox.Config{Strict: strict} }

// slowRequest is a request whose body is sent in two halves, so a test
// can act while the server is in the middle of it.
type slowRequest struct {
	t    *testing.T
	e    *env
	pw   *io.PipeWriter
	rest []byte
	done chan reply
}

// newSlowRequest sends the headers and the body up to the middle of the
// last part's content, then waits for finish.
func newSlowRequest(t *testing.T, e *env, path string, parts []part) *slowRequest {
	ct, body := multipartBody(t, parts)
	last := parts[len(parts)-1].value
	cut := bytes.LastIndex(body, []byte(last)) + len(last)/2
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, e.srv.BaseURL()+path, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/json")
	s := &slowRequest{t: t, e: e, pw: pw, rest: body[cut:], done: make(chan reply, 1)}
	go func() {
		resp, err := e.c.Do(req)
		if err != nil {
			s.done <- reply{status: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		s.done <- reply{status: resp.StatusCode, header: resp.Header, body: b}
	}()
	go func() { _, _ = pw.Write(body[:cut]) }() // blocks until the server reads it
	return s
}

// waitClaimed waits (bounded) until the server has started receiving the
// chunk part for key.
func (s *slowRequest) waitClaimed(key string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, p := range s.e.api.Pending() {
			if p.Key == key && p.InProgress > 0 {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	s.t.Fatalf("server never started receiving key %q", key)
}

func (s *slowRequest) finish() reply {
	if _, err := s.pw.Write(s.rest); err != nil {
		s.t.Fatal(err)
	}
	s.pw.Close()
	select {
	case r := <-s.done:
		return r
	case <-time.After(10 * time.Second):
		s.t.Fatal("slow request never finished")
		return reply{}
	}
}

package quatrix_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	"github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
)

const (
	alice    = "alice@example.com"
	bob      = "bob@example.com"
	mfaUser  = "mfa@example.com"
	pw       = "pw-123"
	aliceKey = "7d0c7a4e-1111-4b5c-8d9e-0a1b2c3d4e5f"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type tenv struct {
	t     *testing.T
	srv   *sandbox.Server
	api   *quatrix.API
	clock *clock
	hc    *http.Client
	files int // files made by pinShare, for unique names
}

type opts struct {
	cfg      quatrix.Config
	switches map[string]bool
	faults   sandbox.FaultProfile
	lenient  bool // Strict off
	logSize  int  // sandbox.Config.LogSize (0: its default)
}

func start(t *testing.T, o opts) *tenv {
	t.Helper()
	cfg := o.cfg
	if cfg.Users == nil {
		cfg.Users = []quatrix.User{
			{Email: alice, Password: pw, MaxFileSize: 1 << 20},
			{Email: bob, Password: pw},
			{Email: mfaUser, Password: pw, MFA: true},
		}
		cfg.APIKeys = []quatrix.APIKey{{Key: aliceKey, Email: alice}}
	}
	api, err := quatrix.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	srv, err := sandbox.New(sandbox.Config{
		Dir: t.TempDir(), Strict: !o.lenient, Switches: o.switches, APIs: []sandbox.API{api},
		Now: c.Now, Faults: o.faults, LogSize: o.logSize,
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
	return &tenv{t: t, srv: srv, api: api, clock: c, hc: srv.Client()}
}

// resp is one answer.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer %d %s: %v", r.status, r.body, err)
	}
}

// obj decodes the body as a JSON object.
func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// req sends a request; body may be nil, a string (sent as is) or anything
// else (JSON-encoded). Header values "" are left out.
func (e *tenv) req(method, path string, hdr map[string]string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	r, err := http.NewRequest(method, e.srv.BaseURL()+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		if v != "" {
			r.Header.Set(k, v)
		}
	}
	res, err := e.hc.Do(r)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: out}
}

// login returns a session id for email.
func (e *tenv) login(email string) string {
	e.t.Helper()
	r, err := http.NewRequest(http.MethodGet, e.srv.BaseURL()+"/api/1.0/session/login", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	r.SetBasicAuth(email, pw)
	res, err := e.hc.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		SessionID string `json:"session_id"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 || out.SessionID == "" {
		e.t.Fatalf("login %s: %d %v", email, res.StatusCode, err)
	}
	return out.SessionID
}

// call is an authenticated JSON API call with session tok.
func (e *tenv) call(tok, method, path string, body any) resp {
	e.t.Helper()
	h := map[string]string{"X-Auth-Token": tok}
	if body != nil {
		h["Content-Type"] = "application/json"
	}
	return e.req(method, "/api/1.0"+path, h, body)
}

// wantErr checks an ErrorModel answer.
func wantErr(t *testing.T, r resp, status, code int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d (%s), want %d", r.status, r.body, status)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q", ct)
	}
	var m struct {
		Msg  *string `json:"msg"`
		Code *int    `json:"code"`
	}
	r.json(t, &m)
	if m.Msg == nil || m.Code == nil || *m.Code != code || *m.Msg == "" {
		t.Fatalf("error body %s, want msg and code %d", r.body, code)
	}
}

func wantOK(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d (%s), want %d", r.status, r.body, status)
	}
}

// home returns alice's home id.
func (e *tenv) home() string { return e.api.HomeID(alice) }

// link opens an upload and returns (file_id, upload_key, name).
func (e *tenv) link(tok, parent, name string, size int64) (string, string, string) {
	e.t.Helper()
	body := map[string]any{"name": name, "parent_id": parent, "resolve": false}
	if size >= 0 {
		body["file_size"] = size
	}
	r := e.call(tok, "POST", "/upload/link", body)
	wantOK(e.t, r, 200)
	var raw map[string]string
	r.json(e.t, &raw)
	return raw["file_id"], raw["upload_key"], raw["name"]
}

// chunk posts data at start with the given total and no credential.
func (e *tenv) chunk(key string, start, total int64, data []byte, hdr map[string]string) resp {
	e.t.Helper()
	h := map[string]string{"Content-Range": contentRange(start, int64(len(data)), total)}
	for k, v := range hdr {
		h[k] = v
	}
	return e.req("POST", "/upload/chunked/"+key, h, data)
}

func contentRange(start, n, total int64) string {
	return "bytes " + itoa(start) + "-" + itoa(start+n-1) + "/" + itoa(total)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// node finds the store entry at path below alice's home.
func (e *tenv) node(path string) (sandbox.Entry, bool) {
	for _, en := range e.srv.Tree(quatrix.Name) {
		if en.Path == "/"+alice+"/"+path {
			return en, true
		}
	}
	return sandbox.Entry{}, false
}

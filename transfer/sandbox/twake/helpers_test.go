package twake

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// tenv is a running sandbox with the Twake API and a valid token.
type tenv struct {
	srv *sandbox.Server
	api *API
	tok string
}

func start(t testing.TB, strict bool, switches map[string]bool) *tenv {
	t.Helper()
	return startCfg(t, sandbox.Config{Strict: strict, Switches: switches})
}

// startCfg starts a sandbox with cfg plus the Twake API and a temp dir.
func startCfg(t testing.TB, cfg sandbox.Config) *tenv {
	t.Helper()
	a := New(Config{Secret: []byte("test-secret-0123456789abcdef0123")})
	cfg.APIs, cfg.Dir = []sandbox.API{a}, t.TempDir()
	srv, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() }) // the temp dir goes with the test
	tok, err := a.Token(a.UserID(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return &tenv{srv: srv, api: a, tok: tok}
}

func (e *tenv) filesPath() string {
	return filesPrefix + "/companies/" + e.api.CompanyID() + "/files"
}

// do sends a request with the test token (unless hdr sets Authorization,
// "" meaning none) and returns the status and body.
func (e *tenv) do(t testing.TB, method, path string, hdr map[string]string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.BaseURL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header.Set("Authorization", "Bearer "+e.tok)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// initFile creates an entity and returns its id.
func (e *tenv) initFile(t testing.TB) string {
	t.Helper()
	st, b := e.do(t, "POST", e.filesPath(), nil, nil)
	if st != 200 {
		t.Fatalf("init: %d %s", st, b)
	}
	return decode(t, b).ID
}

type part struct {
	field, filename string
	data            []byte
}

func multipartBody(t testing.TB, parts ...part) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.filename == "" {
			w, err = mw.CreateFormField(p.field)
		} else {
			w, err = mw.CreateFormFile(p.field, p.filename)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

// chunk posts data as one chunk of id with query q.
func (e *tenv) chunk(t testing.TB, id string, q url.Values, data []byte) (int, []byte) {
	t.Helper()
	ct, body := multipartBody(t, part{"file", "f.bin", data})
	return e.do(t, "POST", e.filesPath()+"/"+id+"?"+q.Encode(), map[string]string{"Content-Type": ct}, body)
}

// plan is the query of chunk n of a file cut into total chunks.
func plan(n, total int, size int64, name string) url.Values {
	return url.Values{
		"chunk_number": {strconv.Itoa(n)}, "total_chunks": {strconv.Itoa(total)},
		"total_size": {strconv.FormatInt(size, 10)}, "filename": {name}, "type": {"application/octet-stream"},
	}
}

func decode(t testing.TB, b []byte) publicFile {
	t.Helper()
	var fr fileResponse
	if err := json.Unmarshal(b, &fr); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return fr.Resource
}

// node returns the store entry at path.
func (e *tenv) node(t testing.TB, path string) sandbox.Entry {
	t.Helper()
	for _, n := range e.srv.Tree(Name) {
		if n.Path == path {
			return n
		}
	}
	t.Fatalf("no store entry %s", path)
	return sandbox.Entry{}
}

// ok returns a check of a (status, body) pair that fails t unless the
// status is 200, and passes the body on.
func ok(t testing.TB) func(int, []byte) []byte {
	return func(st int, b []byte) []byte {
		t.Helper()
		if st != 200 {
			t.Fatalf("status %d: %s", st, b)
		}
		return b
	}
}

// under lists the store paths below prefix.
func (e *tenv) under(t testing.TB, prefix string) []string {
	t.Helper()
	var out []string
	for _, n := range e.srv.Tree(Name) {
		if strings.HasPrefix(n.Path, prefix) {
			out = append(out, n.Path)
		}
	}
	return out
}

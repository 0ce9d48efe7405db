package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// echoAPI is a minimal API: it stores request bodies as files and has a
// route with a secret token in the path.
type echoAPI struct {
	token string
	env   *Env
}

func (a *echoAPI) Name() string { return "echo" }

func (a *echoAPI) Mount(mux *http.ServeMux, env *Env) {
	a.env = env
	mux.HandleFunc("PUT /echo/{token}/{name}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("token") != a.token {
			WriteJSON(w, http.StatusNotFound, map[string]string{"message": "unknown token"})
			return
		}
		st := env.Store
		b, err := st.NewBlob()
		if err != nil {
			WriteJSON(w, http.StatusInternalServerError, map[string]string{"message": err.Error()})
			return
		}
		if _, err := b.ReadFrom(r.Body); err != nil {
			b.Discard()
			WriteJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
			return
		}
		n, err := st.Commit(a.Name(), st.Root(a.Name()).ID, r.PathValue("name"), b, CommitOptions{Conflict: ConflictReplace})
		if err != nil {
			WriteJSON(w, http.StatusConflict, map[string]string{"message": err.Error()})
			return
		}
		WriteJSON(w, http.StatusCreated, n)
	})
}

func (a *echoAPI) Credentials() []Credential {
	return []Credential{{Kind: "token", Name: "default", Value: a.token}}
}

const testToken = "tok3n-s3cret-value"

func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.APIs == nil {
		cfg.APIs = []API{&echoAPI{token: testToken}}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func put(t *testing.T, c *http.Client, url, body string, hdr ...string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return c.Do(req)
}

func TestServerRoutesAndInspection(t *testing.T) {
	s := startServer(t, Config{})
	c := s.Client()
	resp, err := put(t, c, s.BaseURL()+"/echo/"+testToken+"/a.txt?password=hunter22&x=1", "hello",
		"Authorization", "Bearer abc123", "Cookie", "share_session=zzz999", "X-Auth-Token", "qqq777")
	if err != nil {
		t.Fatal(err)
	}
	rest.Drain(resp)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d", resp.StatusCode)
	}
	resp, err = put(t, c, s.BaseURL()+"/nowhere", "x")
	if err != nil {
		t.Fatal(err)
	}
	rest.Drain(resp)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unmatched status %d", resp.StatusCode)
	}

	var tree []Entry
	getJSON(t, c, s.BaseURL()+"/_sandbox/tree?api=echo", &tree)
	if len(tree) != 1 || tree[0].Path != "/a.txt" || tree[0].SHA256 != sum("hello") || tree[0].Size != 5 {
		t.Fatalf("tree = %+v", tree)
	}

	// The log, over HTTP and from Go, never shows a secret.
	resp, err = c.Get(s.BaseURL() + "/_sandbox/log")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rest.ReadBody(resp)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{testToken, "hunter22", "abc123", "zzz999", "qqq777"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("log contains secret %q: %s", secret, raw)
		}
	}
	log := s.Log()
	if len(log) < 2 {
		t.Fatalf("log has %d entries", len(log))
	}
	e := log[0]
	if e.API != "echo" || e.Route != "PUT /echo/{token}/{name}" || e.Status != 201 || e.BytesIn != 5 || e.BytesOut == 0 {
		t.Errorf("log entry = %+v", e)
	}
	if !strings.Contains(e.Path, "/echo/"+Redacted+"/a.txt") || !strings.Contains(e.Path, "x=1") {
		t.Errorf("redacted path = %q", e.Path)
	}
	if e.Header["Authorization"] != Redacted || e.Header["Cookie"] != Redacted {
		t.Errorf("headers = %v", e.Header)
	}

	var st Stats
	getJSON(t, c, s.BaseURL()+"/_sandbox/stats", &st)
	if st.Requests["echo"]["PUT /echo/{token}/{name}"] != 1 || st.Requests[""][""] != 1 {
		t.Errorf("stats = %+v", st)
	}
	var index struct{ APIs []string }
	getJSON(t, c, s.BaseURL()+"/_sandbox/", &index)
	if len(index.APIs) != 1 || index.APIs[0] != "echo" {
		t.Errorf("index = %+v", index)
	}
	var creds []Credential
	getJSON(t, c, s.BaseURL()+"/_sandbox/credentials", &creds)
	if len(creds) != 1 || creds[0].API != "echo" || creds[0].Value != testToken {
		t.Errorf("credentials = %+v", creds)
	}
}

func getJSON(t *testing.T, c *http.Client, url string, v any) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := rest.DecodeJSON("get "+url, resp, v); err != nil {
		t.Fatal(err)
	}
}

func TestServerRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":8080", "192.168.1.10:80", "example.com:80"} {
		if _, err := New(Config{Addr: addr}); err == nil {
			t.Errorf("addr %q accepted", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0"} {
		s, err := New(Config{Addr: addr})
		if err != nil {
			t.Errorf("addr %q refused: %v", addr, err)
			continue
		}
		s.Close()
	}
	s, err := New(Config{Addr: "0.0.0.0:0", AllowNonLoopback: true})
	if err != nil {
		t.Fatalf("forced non-loopback refused: %v", err)
	}
	s.Close()
}

func TestServerTLSPinning(t *testing.T) {
	s := startServer(t, Config{TLS: true})
	if !strings.HasPrefix(s.BaseURL(), "https://") {
		t.Fatalf("base URL %q", s.BaseURL())
	}
	pinned, err := rest.NewClient(rest.Options{PinSHA256: s.CertFingerprint()})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := put(t, pinned, s.BaseURL()+"/echo/"+testToken+"/p.txt", "pinned")
	if err != nil {
		t.Fatalf("pinned client: %v", err)
	}
	rest.Drain(resp)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d", resp.StatusCode)
	}

	unpinned, err := rest.NewClient(rest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := put(t, unpinned, s.BaseURL()+"/echo/"+testToken+"/u.txt", "x"); err == nil {
		rest.Drain(resp)
		t.Fatal("unpinned client accepted a self-signed certificate")
	} else if !errors.Is(rest.TransportError("put", err), provider.ErrPermanent) {
		t.Fatalf("unpinned client error %v is not a permanent certificate failure", err)
	}

	wrong, err := rest.NewClient(rest.Options{PinSHA256: strings.Repeat("ab", 32)})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := put(t, wrong, s.BaseURL()+"/echo/"+testToken+"/w.txt", "x"); err == nil {
		rest.Drain(resp)
		t.Fatal("wrong pin accepted")
	} else if !errors.Is(err, rest.ErrPinMismatch) {
		t.Fatalf("wrong pin: %v, want ErrPinMismatch", err)
	}
	if len(s.Tree("echo")) != 1 {
		t.Fatalf("refused uploads reached the store: %+v", s.Tree("echo"))
	}
}

func TestSink(t *testing.T) {
	s := startServer(t, Config{Faults: FaultProfile{Status: map[int]float64{503: 1}}})
	for _, q := range []string{"", "?sum=1", "?discard=1"} {
		resp, err := put(t, s.Client(), s.BaseURL()+"/_sandbox/sink"+q, strings.Repeat("z", 100000))
		if err != nil {
			t.Fatal(err)
		}
		var res SinkResult
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		// Storing computes no sum unless asked (the store's sums are lazy).
		want := sum(strings.Repeat("z", 100000))
		if q == "" {
			want = ""
		}
		if resp.StatusCode != 200 || res.Size != 100000 || res.SHA256 != want {
			t.Fatalf("sink%s: %d %+v", q, resp.StatusCode, res)
		}
	}
	// The sink stores like the store, then deletes: nothing stays behind.
	for _, dir := range []string{s.store.blobDir, s.store.tmpDir} {
		left, err := os.ReadDir(dir)
		if err != nil || len(left) != 0 {
			t.Errorf("%s holds %d files after the sink answered (%v)", dir, len(left), err)
		}
	}
}

func TestLogRedactsRuntimeSecretsAndIsBounded(t *testing.T) {
	s := startServer(t, Config{LogSize: 3})
	s.Env().Redact("issued-session-42")
	for i := range 5 {
		resp, err := put(t, s.Client(), s.BaseURL()+"/echo/x/y?sid=issued-session-42&n="+string(rune('0'+i)), "")
		if err != nil {
			t.Fatal(err)
		}
		rest.Drain(resp)
	}
	log := s.Log()
	if len(log) != 3 || !strings.Contains(log[2].Path, "n=4") {
		t.Fatalf("log = %+v, want the last 3 requests", log)
	}
	for _, e := range log {
		if strings.Contains(e.Path, "issued-session-42") || !strings.Contains(e.Path, "sid="+Redacted) {
			t.Fatalf("runtime secret not redacted: %q", e.Path)
		}
	}
}

func TestCloseRemovesTempDirAndKeepsGivenDir(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	tmp := s.tmpDir
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("temporary dir survived Close: %v", err)
	}
	if err := s.Start(); err == nil {
		t.Fatal("Start after Close succeeded")
	}
	dir := t.TempDir()
	kept, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := kept.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs")); err != nil {
		t.Fatalf("given dir not kept: %v", err)
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

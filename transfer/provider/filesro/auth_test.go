package filesro

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// routeFront serves the sandbox with its VFM authenticate route moved:
// the VFM path answers Laravel's 404 for a missing route, and alt (a
// template with %s for the token, or "") serves it instead.
func routeFront(t *testing.T, backend, alt string) string {
	t.Helper()
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/sharing/authenticate/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"The route ` + strings.TrimPrefix(r.URL.Path, "/") + ` could not be found."}`))
			return
		}
		if alt != "" {
			pre, post, _ := strings.Cut(alt, "%s")
			if tok, ok := strings.CutPrefix(r.URL.Path, pre); ok && strings.HasSuffix(tok, post) {
				r.URL.Path = "/api/sharing/authenticate/" + strings.TrimSuffix(tok, post)
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL
}

// TestAuthRouteFallback: files.ro documents no password route. The VFM
// route is tried first; when the server lacks it (a 404 that names no
// model), the files.ro-style route is tried; when neither exists the
// error says so and never calls the share link unknown.
func TestAuthRouteFallback(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{})
	data := randomData(100, 5)

	alt := routeFront(t, tb.srv.BaseURL(), "/api/v1/shares/%s/authenticate")
	if _, err := upload(ctx(t), tb.provider("protected", func(c *Config) { c.BaseURL = alt }), plan(nil, "a.bin", data, MinChunkSize), data); err != nil {
		t.Fatalf("with only the files.ro-style route: %v", err)
	}

	none := routeFront(t, tb.srv.BaseURL(), "")
	_, err := upload(ctx(t), tb.provider("protected", func(c *Config) { c.BaseURL = none }), plan(nil, "b.bin", data, MinChunkSize), data)
	if kindOf(err) != provider.ErrAuth || strings.Contains(err.Error(), "share link is unknown") || !strings.Contains(err.Error(), "routes") {
		t.Fatalf("with no known route: %v", err)
	}

	// An unknown token on the real route is the share link's fault.
	_, err = upload(ctx(t), tb.provider("protected", func(c *Config) { c.Token = "NoSuchShare12345" }), plan(nil, "c.bin", data, MinChunkSize), data)
	if kindOf(err) != provider.ErrAuth || !strings.Contains(err.Error(), "share link is unknown") {
		t.Fatalf("unknown token: %v", err)
	}
}

// TestPathAlwaysSent: a top-level file carries path "/name", which a
// server that requires path (files.ro's document) accepts and VFM's
// array_slice turns into no folder.
func TestPathAlwaysSent(t *testing.T) {
	for _, sw := range []map[string]bool{nil, {"filesro.pathrequired": true}} {
		tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Switches: sw})
		data := randomData(100, 6)
		if _, err := upload(ctx(t), tb.provider("editor"), plan(nil, "top.bin", data, MinChunkSize), data); err != nil {
			t.Fatalf("switches %v: %v", sw, err)
		}
		if e, ok := tb.stored("/editor/top.bin"); !ok || e.SHA256 != hexSHA(data) {
			t.Fatalf("switches %v: stored %+v", sw, e)
		}
	}
}

// TestZeroByteFile: an empty file is one empty last chunk. The real
// server's handling is unknown: stored (PHP keeps empty uploads), or
// refused as a missing chunk; the second ends in a clear permanent error.
func TestZeroByteFile(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{})
	if _, err := upload(ctx(t), tb.provider("editor"), plan(nil, "empty.txt", nil, MinChunkSize), nil); err != nil {
		t.Fatal(err)
	}
	tb2 := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Switches: map[string]bool{"filesro.emptyrefused": true}})
	_, err := upload(ctx(t), tb2.provider("editor"), plan(nil, "empty.txt", nil, MinChunkSize), nil)
	if kindOf(err) != provider.ErrPermanent || !strings.Contains(err.Error(), "refuses empty files") {
		t.Fatalf("empty file refused: %v", err)
	}
}

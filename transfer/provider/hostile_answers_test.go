package provider_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/filesro"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity"
	scapi "github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
	"github.com/ferry-sync/ferry/transfer/provider/twake"
)

// secretValue is the credential every provider gets here; no error text
// may contain it.
const secretValue = "s3cr3t-hostile-token-4b1e"

// makeProvider builds one provider against base with the shared secret.
type makeProvider func(t *testing.T, base, pin string) provider.Provider

func hostileProviders(t *testing.T) map[string]makeProvider {
	jwtToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"type": "access", "sub": secretValue, "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte(secretValue))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]makeProvider{
		"quatrix": func(t *testing.T, base, pin string) provider.Provider {
			p, err := quatrix.New(quatrix.Config{BaseURL: base, APIKey: secretValue, PinSHA256: pin, Timeout: 5 * time.Second})
			must(t, err)
			return p
		},
		"twake": func(t *testing.T, base, pin string) provider.Provider {
			p, err := twake.New(twake.Config{BaseURL: base, CompanyID: "c1", Token: jwtToken, PinSHA256: pin, Timeout: 5 * time.Second, PendingDir: t.TempDir()})
			must(t, err)
			return p
		},
		"filesro": func(t *testing.T, base, pin string) provider.Provider {
			p, err := filesro.New(filesro.Config{BaseURL: base, Token: secretValue, PinSHA256: pin, Timeout: 5 * time.Second})
			must(t, err)
			return p
		},
		"selfcommunity": func(t *testing.T, base, pin string) provider.Provider {
			p, err := selfcommunity.New(selfcommunity.Config{BaseURL: base, Token: secretValue, Dialect: scapi.Plain, PinSHA256: pin, Timeout: 5 * time.Second})
			must(t, err)
			return p
		},
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// uploadOnce runs a one-chunk upload of ten bytes through Begin,
// PutChunk and Finish and returns the first error.
func uploadOnce(ctx context.Context, p provider.Provider) error {
	caps := p.Capabilities()
	u := provider.Upload{
		Dir: []string{"in"}, Name: "f.txt", RelPath: "in/f.txt", Size: 10, ModTime: time.Unix(1700000000, 0),
		ChunkSize: caps.DefaultChunkSize, Conflict: caps.Conflicts[0],
	}
	s, err := p.Begin(ctx, u)
	if err != nil {
		return err
	}
	if err := s.PutChunk(ctx, u.Chunk(0), bytes.NewReader([]byte("0123456789"))); err != nil {
		return err
	}
	_, err = s.Finish(ctx)
	return err
}

// TestHostileServerAnswers points every provider at servers that answer
// every request with something hostile. Defined outcome for each: the
// upload fails (never a false success), within the timeout, with an error
// the shared classifier gives a kind, whose text holds no credential; a
// redirect to another host is refused before the other host sees any
// request; TLS without a matching pin fails before any request is sent.
func TestHostileServerAnswers(t *testing.T) {
	var elsewhereHits atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhereHits.Add(1)
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, `{}`)
	}))
	defer elsewhere.Close()

	huge := bytes.Repeat([]byte(`{"a":`), 1<<20) // 5 MiB of nesting, never closed
	answers := []struct {
		name string
		h    http.HandlerFunc
		// wantKinds are the acceptable kinds; nil accepts any kind.
		wantKinds []error
		check     func(t *testing.T, err error)
	}{
		{name: "malformed_json", h: body(200, "application/json", `{"id": "abc", "upload_key": `)},
		{name: "wrong_types", h: body(200, "application/json",
			`{"id": 5, "upload_key": [1], "data": "x", "file_uuid": {}, "name": 3, "size": "big", "resource": null, "file": 1, "status": {}}`)},
		{name: "json_array", h: body(200, "application/json", `[1,2,3]`)},
		{name: "html_page", h: body(200, "text/html", `<html><body>Welcome to the captive portal</body></html>`)},
		{name: "empty_200", h: body(200, "application/json", ``)},
		{name: "huge_body", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for range 8 { // 40 MiB unless the client stops reading first
				if _, err := w.Write(huge); err != nil {
					return
				}
			}
		}},
		{name: "huge_error_body", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			for range 8 {
				if _, err := w.Write(huge); err != nil {
					return
				}
			}
		}},
		{name: "redirect_other_host", h: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		}, wantKinds: []error{provider.ErrPermanent}, check: func(t *testing.T, err error) {
			// Either the client refused to follow, or (a POST with a body
			// the client does not replay) the 307 came back as the answer.
			var pe *provider.Error
			if !errors.Is(err, rest.ErrCrossHostRedirect) && !(errors.As(err, &pe) && pe.Status == http.StatusTemporaryRedirect) {
				t.Errorf("error %v is neither a refused redirect nor the 307 itself", err)
			}
		}},
	}
	for pname, mk := range hostileProviders(t) {
		for _, a := range answers {
			t.Run(pname+"/"+a.name, func(t *testing.T) {
				srv := httptest.NewServer(a.h)
				defer srv.Close()
				err := runHostile(t, mk(t, srv.URL, ""))
				if a.wantKinds != nil {
					kind, _ := provider.Classify(err)
					if !containsErr(a.wantKinds, kind) {
						t.Errorf("kind %v, want one of %v (error %v)", kind, a.wantKinds, err)
					}
				}
				if a.check != nil {
					a.check(t, err)
				}
			})
		}
		t.Run(pname+"/tls_unpinned_self_signed", func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
			defer srv.Close()
			runHostile(t, mk(t, srv.URL, ""))
			if hits.Load() != 0 {
				t.Errorf("%d requests reached a server whose certificate is not trusted", hits.Load())
			}
		})
		t.Run(pname+"/tls_wrong_pin", func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
			defer srv.Close()
			err := runHostile(t, mk(t, srv.URL, strings.Repeat("ab", 32)))
			if !errors.Is(err, rest.ErrPinMismatch) {
				t.Errorf("error %v does not name the pin mismatch", err)
			}
			if hits.Load() != 0 {
				t.Errorf("%d requests reached a server with the wrong certificate", hits.Load())
			}
		})
	}
	if n := elsewhereHits.Load(); n != 0 {
		t.Errorf("the other host received %d requests after redirects", n)
	}
}

// runHostile uploads through p and checks the common outcome: an error,
// in time, classified, without the secret. It returns the error.
func runHostile(t *testing.T, p provider.Provider) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := uploadOnce(ctx, p)
	if err == nil {
		t.Fatal("upload reported success against a hostile server")
	}
	if ctx.Err() != nil {
		t.Fatalf("no verdict within 20s: %v", err)
	}
	kind, _ := provider.Classify(err)
	if kind == nil {
		t.Errorf("error %v has no kind", err)
	}
	if strings.Contains(err.Error(), secretValue) {
		t.Errorf("error text contains the credential")
	}
	t.Logf("%v: %v", kind, err)
	return err
}

func body(status int, ctype, s string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		fmt.Fprint(w, s)
	}
}

func containsErr(list []error, e error) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}

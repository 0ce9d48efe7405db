package quatrix_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix"
)

// shareSpy is a proxy in front of the sandbox that keeps each share/create
// body and the share id answered, and, when refuse is set, answers it 400
// itself.
type shareSpy struct {
	mu     sync.Mutex
	bodies [][]byte
	ids    []string
	refuse bool
}

func startShareSpy(t *testing.T, e *env) (*shareSpy, string) {
	t.Helper()
	target, err := url.Parse(e.srv.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	spy := &shareSpy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/1.0/share/create" {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				t.Error(err)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			spy.mu.Lock()
			spy.bodies = append(spy.bodies, body)
			refuse := spy.refuse
			spy.mu.Unlock()
			if refuse {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"msg":"Bad parameter value","code":10}`)
				return
			}
			cw := &statusWriter{ResponseWriter: w}
			rp.ServeHTTP(cw, r)
			var created struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(cw.body.Bytes(), &created); err != nil {
				t.Errorf("share/create answer %q: %v", cw.body.Bytes(), err)
			}
			spy.mu.Lock()
			spy.ids = append(spy.ids, created.ID)
			spy.mu.Unlock()
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return spy, srv.URL
}

// A target with a link PIN sends it in share/create as standard base64 of
// its UTF-8 bytes (swagger ShareCreateReq pin, format base64); the link
// it gets back is the plain address, refused until the PIN login and
// served after it. Neither the PIN nor its encoding is in the link or the
// provider's log, also when the server refuses the share.
func TestPublicLinkPin(t *testing.T) {
	// "1234" is itself valid base64: a PIN sent raw would be taken as the
	// bytes it decodes to, and the login below would fail.
	for _, pin := range []string{"1234", "pass wörd 7"} {
		t.Run(pin, func(t *testing.T) {
			e := newEnv(t, envOpts{realModel: true})
			spy, base := startShareSpy(t, e)
			var logs bytes.Buffer
			p := e.provider(t, "apikey", func(c *quatrix.Config) {
				c.BaseURL, c.PublicLinks, c.LinkPin = base, true, pin
				c.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			ctx := ctxT(t)
			data := randomBytes(t, 1500)
			res, err := upload(ctx, p, plan([]string{"l"}, "pin.bin", data, 1000, provider.ConflictRename), data)
			if err != nil || res.Link == "" {
				t.Fatalf("upload: %+v %v", res, err)
			}
			enc := base64.StdEncoding.EncodeToString([]byte(pin))
			spy.mu.Lock()
			var sent struct {
				Pin *string `json:"pin"`
			}
			if len(spy.bodies) != 1 || json.Unmarshal(spy.bodies[0], &sent) != nil || sent.Pin == nil || *sent.Pin != enc {
				// Not quoted: test output never shows a PIN, even a test one.
				t.Fatalf("%d share/create bodies; the pin field is missing or not the base64 of the PIN", len(spy.bodies))
			}
			spy.mu.Unlock()
			if strings.Contains(res.Link, pin) || strings.Contains(res.Link, enc) {
				t.Fatalf("the link %q carries the PIN", res.Link)
			}

			// The link, through the proxy, as someone given it would use it.
			jar, err := cookiejar.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			hc := &http.Client{Jar: jar}
			get := func() (int, []byte) {
				t.Helper()
				r, err := hc.Get(res.Link)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Body.Close()
				b, _ := io.ReadAll(r.Body)
				return r.StatusCode, b
			}
			if st, _ := get(); st != http.StatusUnauthorized {
				t.Fatalf("download before the PIN login: %d, want 401", st)
			}
			spy.mu.Lock()
			shareID := spy.ids[0]
			spy.mu.Unlock()
			lr, err := hc.Post(base+"/api/1.0/share/login-pin", "application/json",
				strings.NewReader(`{"id":"`+shareID+`","pin":"`+enc+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			lr.Body.Close()
			if lr.StatusCode != http.StatusOK {
				t.Fatalf("PIN login with base64(%q): %d", pin, lr.StatusCode)
			}
			if st, got := get(); st != http.StatusOK || !bytes.Equal(got, data) {
				t.Fatalf("download after the PIN login: %d, %d bytes", st, len(got))
			}

			// A refused share: no link, a warning, no PIN in it.
			spy.mu.Lock()
			spy.refuse = true
			spy.mu.Unlock()
			res, err = upload(ctx, p, plan([]string{"l"}, "pin2.bin", data, 1000, provider.ConflictRename), data)
			if err != nil || res.Link != "" {
				t.Fatalf("refused share: %+v %v", res, err)
			}
			if !strings.Contains(logs.String(), "could not create a public link") {
				t.Fatalf("no warning for the refused share; log:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), pin) || strings.Contains(logs.String(), enc) {
				t.Fatalf("the log carries the PIN:\n%s", logs.String())
			}
		})
	}
}

// A link PIN the provider cannot use is refused by New, in words that do
// not quote it.
func TestLinkPinRefused(t *testing.T) {
	e := newEnv(t, envOpts{realModel: true})
	for _, tc := range []struct {
		public bool
		pin    string
		want   string
	}{
		{false, "4711", "needs public links"},
		{true, "   ", "only white space"},
		{true, "47\n11", "control character"},
		{true, "47\xff11", "not valid UTF-8"},
	} {
		_, err := quatrix.New(quatrix.Config{BaseURL: e.srv.BaseURL(), APIKey: apiKey, PublicLinks: tc.public, LinkPin: tc.pin})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New with PIN case %q: %v, want %q", tc.want, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "4711") || strings.Contains(err.Error(), "47") {
			t.Errorf("the error quotes the PIN: %v", err)
		}
	}
}

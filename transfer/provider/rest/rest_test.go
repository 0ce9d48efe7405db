package rest

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
)

func TestRedirectToAnotherHostDropsNothingAndFails(t *testing.T) {
	var leaked string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("Authorization")
	}))
	defer other.Close()
	// Same IP, other port: a different host for the browser security model.
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/same" {
			http.Redirect(w, r, "/final", http.StatusFound)
			return
		}
		if r.URL.Path == "/final" {
			w.Write([]byte(`"ok"`))
			return
		}
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	}))
	defer origin.Close()

	c, err := NewClient(Options{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", origin.URL+"/away", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	_, err = c.Do(req)
	if !errors.Is(err, ErrCrossHostRedirect) {
		t.Fatalf("cross-host redirect: err = %v", err)
	}
	if leaked != "" {
		t.Fatalf("credentials reached the other host: %q", leaked)
	}
	if k := TransportError("get", err).Kind; k != provider.ErrPermanent {
		t.Errorf("cross-host redirect classified %v, want permanent", k)
	}

	req, _ = http.NewRequest("GET", origin.URL+"/same", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("same-host redirect refused: %v", err)
	}
	var s string
	if err := DecodeJSON("get", resp, &s); err != nil || s != "ok" {
		t.Fatalf("decode after redirect: %q, %v", s, err)
	}
}

func TestPinnedCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	pin := Fingerprint(srv.Certificate().Raw)

	get := func(o Options) error {
		c, err := NewClient(o)
		if err != nil {
			return err
		}
		resp, err := c.Get(srv.URL)
		if err == nil {
			Drain(resp)
		}
		return err
	}
	if err := get(Options{PinSHA256: pin}); err != nil {
		t.Fatalf("pinned certificate refused: %v", err)
	}
	if err := get(Options{PinSHA256: strings.ToUpper(pin[:2]) + ":" + pin[2:]}); err != nil {
		t.Fatalf("pin with upper case and colons refused: %v", err)
	}
	err := get(Options{})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("self-signed certificate without a pin: err = %v, want unknown authority", err)
	}
	if k := TransportError("get", err).Kind; k != provider.ErrPermanent {
		t.Errorf("certificate failure classified %v, want permanent", k)
	}
	wrong := strings.Repeat("ab", 32)
	if err := get(Options{PinSHA256: wrong}); !errors.Is(err, ErrPinMismatch) {
		t.Fatalf("wrong pin: err = %v", err)
	}
	if _, err := NewClient(Options{PinSHA256: "not-hex"}); err == nil {
		t.Fatal("a malformed pin was accepted")
	}
}

func TestBodiesAreCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/huge":
			w.Write([]byte(`"`))
			chunk := []byte(strings.Repeat("x", 64<<10))
			for range MaxBody/len(chunk) + 2 {
				w.Write(chunk)
			}
		case "/bad":
			w.Write([]byte(`{"id": 12`))
		case "/types":
			w.Write([]byte(`{"id": "twelve"}`))
		}
	}))
	defer srv.Close()
	get := func(p string, v any) error {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		return DecodeJSON("get", resp, v)
	}
	var s string
	if err := get("/huge", &s); !errors.Is(err, ErrBodyTooLarge) || !errors.Is(err, provider.ErrPermanent) {
		t.Errorf("huge body: err = %v", err)
	}
	var v struct{ ID int }
	for _, p := range []string{"/bad", "/types"} {
		err := get(p, &v)
		if !errors.Is(err, provider.ErrPermanent) || !strings.Contains(err.Error(), "malformed response") {
			t.Errorf("%s: err = %v, want a permanent malformed-response error", p, err)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"99999":                         time.Hour,
		"Mon, 23 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Mon, 23 Nov 2026 11:00:00 GMT": 0,
	}
	for v, want := range cases {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := RetryAfter(h, now); got != want {
			t.Errorf("Retry-After %q = %v, want %v", v, got, want)
		}
	}
}

func TestStatusAndTransportErrors(t *testing.T) {
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"2"}}}
	e := StatusError("put chunk 1", resp, nil, "", strings.Repeat("m", 400))
	if e.Kind != provider.ErrRetryable || e.RetryAfter != 2*time.Second || len(e.Message) > 310 {
		t.Errorf("StatusError = %+v", e)
	}
	e = StatusError("finish", &http.Response{StatusCode: 401}, provider.ErrQuota, "quota", "full")
	if e.Kind != provider.ErrQuota || e.Code != "quota" {
		t.Errorf("override kind: %+v", e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if k := TransportError("get", ctx.Err()).Kind; k != provider.ErrRetryable {
		t.Errorf("timeout classified %v", k)
	}
}

func TestTransportErrorsNeverQuoteThePath(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	c, err := NewClient(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const token = "s3cretShareTok3n"
	_, err = c.Post(srv.URL+"/api/v1/shares/"+token+"/uploads?key="+token, "text/plain", strings.NewReader("x"))
	if err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
	te := TransportError("put chunk", err)
	if strings.Contains(te.Error(), token) {
		t.Fatalf("the error quotes the secret path: %v", te)
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(te, &unknown) || te.Kind != provider.ErrPermanent {
		t.Fatalf("the cause was lost: %v (kind %v)", te, te.Kind)
	}
	if !strings.Contains(te.Error(), srv.Listener.Addr().String()) {
		t.Errorf("the error should still name the host: %v", te)
	}
}

package rest

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// TestDecodeJSONWebPage: an HTML page where JSON was expected (a proxy's
// 502 page, a maintenance page served with 200) is reported as a web page
// with its status and title, never as `invalid character '<'`, and as
// temporary; a body that is neither JSON nor HTML stays "malformed".
func TestDecodeJSONWebPage(t *testing.T) {
	page := "<!DOCTYPE html>\n<html><head><title>502 Bad\n Gateway</title></head><body>nginx</body></html>"
	for _, c := range []struct {
		status int
		ct     string
		body   string
		want   string
		kind   error
	}{
		{502, "text/html", page, `the server answered with a web page (HTTP 502 Bad Gateway: "502 Bad Gateway") instead of data`, provider.ErrRetryable},
		{200, "", "  <html><body>Maintenance</body></html>", "the server answered with a web page (HTTP 200 OK) instead of data", provider.ErrRetryable},
		{200, "application/json", "{not json", "malformed response", provider.ErrPermanent},
	} {
		resp := &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {c.ct}}, Body: ioNopCloser(c.body)}
		var v map[string]any
		err := DecodeJSON("get thing", resp, &v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("status %d: err = %v, want it to contain %q", c.status, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "invalid character '<'") {
			t.Errorf("status %d: JSON parser's words leak: %v", c.status, err)
		}
		if k, _ := provider.Classify(err); k != c.kind {
			t.Errorf("status %d: kind %v, want %v", c.status, k, c.kind)
		}
	}
}

// TestTLSFailureIsMarkedLocal: a certificate the client does not trust is
// a failure to set up the secure connection (provider.ErrSecureConnection),
// not the server rejecting anything.
func TestTLSFailureIsMarkedLocal(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	srv.Config.ErrorLog = nil
	c, err := NewClient(Options{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	_, err = c.Do(req)
	if err == nil {
		t.Fatal("untrusted certificate accepted")
	}
	perr := TransportError("begin", err)
	if !errors.Is(perr, provider.ErrSecureConnection) {
		t.Fatalf("TLS failure not marked: %v", perr)
	}
	var ce *tls.CertificateVerificationError
	if !errors.As(perr, &ce) {
		t.Errorf("cause lost: %v", perr)
	}
	if k, _ := provider.Classify(perr); k != provider.ErrPermanent {
		t.Errorf("kind %v", k)
	}
}

type stringBody struct{ *strings.Reader }

func (stringBody) Close() error { return nil }

func ioNopCloser(s string) stringBody { return stringBody{strings.NewReader(s)} }

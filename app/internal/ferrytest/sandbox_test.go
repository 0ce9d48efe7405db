package ferrytest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var hexPin = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestSandboxPlain starts a real plain-HTTP sandbox and reads every
// inspection view through the accessors.
func TestSandboxPlain(t *testing.T) {
	t.Parallel()
	s := StartSandbox(t, "--log-size", "1000")
	if !strings.HasPrefix(s.Base, "http://127.0.0.1:") {
		t.Errorf("Base = %q, want http://127.0.0.1:PORT", s.Base)
	}
	if s.Pin != "" {
		t.Errorf("Pin = %q without --tls", s.Pin)
	}
	if s.CompanyID == "" {
		t.Errorf("no Twake company id parsed from:\n%s", s.Output())
	}
	if strings.Count(s.Output(), "add it:") < sandboxAPIs {
		t.Errorf("Output lacks the %d API lines:\n%s", sandboxAPIs, s.Output())
	}
	key := s.MustCredential("quatrix", "api-key", "user@example.com")
	if key == "" {
		t.Error("empty quatrix api key")
	}
	if _, err := s.Credential("quatrix", "no-such-kind", ""); err == nil {
		t.Error("Credential of a missing kind returned no error")
	}
	all := s.MustTree("")
	apis := map[string]bool{}
	for _, e := range all {
		apis[e.API] = true
		if e.Kind != "folder" {
			t.Errorf("fresh sandbox holds a %s at %s/%s", e.Kind, e.API, e.Path)
		}
	}
	q, err := s.Tree("quatrix")
	if err != nil {
		t.Fatalf("Tree(quatrix): %v", err)
	}
	if len(q) == 0 || len(q) >= len(all) || len(apis) < 2 {
		t.Errorf("Tree(quatrix) has %d of %d nodes over %d APIs: the filter does not work", len(q), len(all), len(apis))
	}
	for _, e := range q {
		if e.API != "quatrix" {
			t.Errorf("Tree(quatrix) holds a %s node %s", e.API, e.Path)
		}
	}
	before := len(s.MustLog())
	_ = s.MustStats()
	if after := len(s.MustLog()); after != before+2 { // the stats call and the first log call
		t.Errorf("request log grew from %d to %d over two inspection calls, want +2", before, after)
	}
	if err := s.Control("no-such-hook"); err == nil {
		t.Error("Control of an unknown hook returned no error")
	}
	var v any
	if err := s.GetJSON("/_sandbox/no-such-view", &v); err == nil {
		t.Error("GetJSON of a missing view returned no error")
	}
}

// TestSandboxTLSPin checks that --tls yields an https base and a pin, that
// the client trusts the pinned certificate and that a client without the
// pin does not.
func TestSandboxTLSPin(t *testing.T) {
	t.Parallel()
	s := StartSandbox(t, "--tls")
	if !strings.HasPrefix(s.Base, "https://127.0.0.1:") {
		t.Errorf("Base = %q, want https://127.0.0.1:PORT", s.Base)
	}
	if !hexPin.MatchString(s.Pin) {
		t.Fatalf("Pin = %q, want 64 hex digits", s.Pin)
	}
	if _, err := s.Stats(); err != nil {
		t.Fatalf("Stats over the pinned client: %v", err)
	}
	tr := &http.Transport{TLSClientConfig: pinnedTLS(strings.Repeat("0", 64))}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(s.Base + "/_sandbox/stats")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a client pinned to another certificate reached the sandbox")
	}
	if !strings.Contains(err.Error(), "does not match the printed fingerprint") {
		t.Errorf("wrong-pin error = %v, want the fingerprint mismatch", err)
	}
}

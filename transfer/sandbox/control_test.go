package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestControl(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	calls := 0
	if err := s.Control("expire-all", func() error { calls++; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Control("broken", func() error { return errors.New("no such thing") }); err != nil {
		t.Fatal(err)
	}
	if err := s.Control("expire-all", func() error { return nil }); err == nil {
		t.Error("a second registration of one name succeeded")
	}
	for _, bad := range []string{"", "Upper", "a/b", "-x"} {
		if err := s.Control(bad, func() error { return nil }); err == nil {
			t.Errorf("name %q was accepted", bad)
		}
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	// Registration after Start works too (the CLI registers before, tests may not).
	late := 0
	if err := s.Control("late", func() error { late++; return nil }); err != nil {
		t.Fatal(err)
	}
	post := func(name string) *http.Response {
		t.Helper()
		resp, err := http.Post(s.BaseURL()+"/_sandbox/control/"+name, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	if r := post("expire-all"); r.StatusCode != http.StatusNoContent || calls != 1 {
		t.Errorf("expire-all: status %d, %d calls; want 204 and 1", r.StatusCode, calls)
	}
	if r := post("late"); r.StatusCode != http.StatusNoContent || late != 1 {
		t.Errorf("late: status %d, %d calls; want 204 and 1", r.StatusCode, late)
	}
	r := post("broken")
	var body struct{ Message string }
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != http.StatusInternalServerError || !strings.Contains(body.Message, "no such thing") {
		t.Errorf("broken: status %d, message %q", r.StatusCode, body.Message)
	}
	if r := post("unknown"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown control: status %d, want 404", r.StatusCode)
	}
	resp, err := http.Get(s.BaseURL() + "/_sandbox/control/expire-all")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || calls != 1 {
		t.Errorf("GET: status %d, %d calls; want 405 and still 1", resp.StatusCode, calls)
	}
}

func TestControlRefusesRemoteClients(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	calls := 0
	if err := s.Control("expire-all", func() error { calls++; return nil }); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/_sandbox/control/expire-all", nil)
	req.RemoteAddr = "192.0.2.7:4242"
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusForbidden || calls != 0 {
		t.Errorf("remote client: status %d, %d calls; want 403 and none", w.Code, calls)
	}
}

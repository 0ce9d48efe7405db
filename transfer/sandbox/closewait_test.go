package sandbox

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// slowAPI's one route takes a while, as a handler writing a temporary
// file does.
type slowAPI struct {
	entered  chan struct{}
	finished atomic.Bool
}

func (a *slowAPI) Name() string { return "slow" }

func (a *slowAPI) Mount(mux *http.ServeMux, _ *Env) {
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, _ *http.Request) {
		close(a.entered)
		time.Sleep(200 * time.Millisecond)
		a.finished.Store(true)
	})
}

func (a *slowAPI) Credentials() []Credential { return nil }

// Close returns only once the requests being handled have ended: a handler
// still at work raced the removal of the sandbox's folders (seen as
// "directory not empty" when a test's temporary folder was removed).
func TestCloseWaitsForHandlers(t *testing.T) {
	api := &slowAPI{entered: make(chan struct{})}
	s, err := New(Config{Dir: t.TempDir(), APIs: []API{api}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		resp, err := http.Get(s.BaseURL() + "/slow")
		if err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case <-api.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached its handler")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !api.finished.Load() {
		t.Fatal("Close returned while a handler was still running")
	}
}

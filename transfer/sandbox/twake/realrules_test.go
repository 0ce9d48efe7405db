package twake

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// TW-FILES-DEL-2: DELETE of an entity that never received a chunk removes
// the row, then crashes (500); a repeat finds nothing (404). In both
// modes: it is the real server's behaviour, not a strict check.
func TestDeleteNeverChunkedCrashesAfterRemoving(t *testing.T) {
	for _, strict := range []bool{false, true} {
		e := start(t, strict, nil)
		id := e.initFile(t)
		st, b := e.do(t, "DELETE", e.filesPath()+"/"+id, nil, nil)
		if st != 500 || !strings.Contains(string(b), "Something went wrong") {
			t.Fatalf("strict=%v: first DELETE: %d %s", strict, st, b)
		}
		if st, b := e.do(t, "DELETE", e.filesPath()+"/"+id, nil, nil); st != 404 {
			t.Fatalf("strict=%v: repeat DELETE: %d %s", strict, st, b)
		}
		if len(e.under(t, "/files/"+id)) != 0 {
			t.Fatalf("strict=%v: entity left after the crash", strict)
		}
		// With a chunk the same DELETE succeeds.
		id = e.initFile(t)
		ok(t)(e.chunk(t, id, plan(1, 2, 2, "x"), []byte("a")))
		if b := ok(t)(e.do(t, "DELETE", e.filesPath()+"/"+id, nil, nil)); string(b) != `{"status":"success"}`+"\n" && string(b) != `{"status":"success"}` {
			t.Fatalf("strict=%v: DELETE after a chunk: %s", strict, b)
		}
	}
}

// TW-CORS-1: any origin, on every answer (errors and unknown routes too),
// and preflights before authentication.
func TestCORS(t *testing.T) {
	e := start(t, true, nil)
	for _, r := range []struct{ method, path string }{
		{"GET", e.filesPath() + "/0b9f8f8e-1111-4222-8333-444455556666"}, // 500
		{"GET", filesPrefix + "/nothing"},                                // 404
		{"POST", e.itemsPath()},                                          // 415
	} {
		req, _ := http.NewRequest(r.method, e.srv.BaseURL()+r.path, nil)
		req.Header.Set("Origin", "https://elsewhere.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s %s: %d without Access-Control-Allow-Origin", r.method, r.path, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("OPTIONS", e.srv.BaseURL()+e.itemsPath()+"/root", nil)
	req.Header.Set("Origin", "https://elsewhere.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Headers") != "authorization,content-type" {
		t.Fatalf("preflight without a token: %d %v", resp.StatusCode, resp.Header)
	}
}

// startPreview starts a sandbox with the given thumbnail timing.
func startPreview(t *testing.T, unit, delay time.Duration, switches map[string]bool) *tenv {
	t.Helper()
	a := New(Config{Secret: []byte("test-secret-0123456789abcdef0123"), PollUnit: unit, PreviewDelay: delay})
	srv, err := sandbox.New(sandbox.Config{APIs: []sandbox.API{a}, Dir: t.TempDir(), Switches: switches})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	tok, err := a.Token(a.UserID(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return &tenv{srv: srv, api: a, tok: tok}
}

// TW-PREVIEW-1/2 and TW-DRIVE-2: a Drive item for a one-chunk file waits
// for the preview; the server finishes the create even when the client
// gave up, so the item appears after the client's timeout.
func TestDriveCreateWaitsForPreview(t *testing.T) {
	e := startPreview(t, 10*time.Millisecond, 400*time.Millisecond, nil)
	id := e.upload(t, []byte("tiny"))
	if f := decode(t, ok(t)(e.do(t, "GET", e.filesPath()+"/"+id, nil, nil))); f.Metadata.ThumbnailsStatus != "waiting" {
		t.Fatalf("status %q, want waiting", f.Metadata.ThumbnailsStatus)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.BaseURL()+e.itemsPath(), strings.NewReader(e.fileItemBody("root", "slow.txt", id)))
	req.Header.Set("Authorization", "Bearer "+e.tok)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("create answered %d before the preview", resp.StatusCode)
	}
	// The client gave up; the server goes on and creates the item.
	deadline := time.Now().Add(5 * time.Second)
	for len(e.under(t, "/drive/slow.txt")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the item never appeared")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A multi-chunk file never waits.
	multi := e.initFile(t)
	ok(t)(e.chunk(t, multi, plan(1, 2, 2, "m.bin"), []byte("a")))
	ok(t)(e.chunk(t, multi, plan(2, 2, 2, "m.bin"), []byte("b")))
	start := time.Now()
	ok(t)(e.postItem(t, e.fileItemBody("root", "m.bin", multi)))
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Fatalf("multi-chunk item took %v", d)
	}
}

// SwitchPreview off: the worker never answers; the wait runs its 99 steps
// (here of 50 µs, about 0.25 s) and the create then succeeds anyway.
func TestDriveCreatePreviewDown(t *testing.T) {
	e := startPreview(t, 50*time.Microsecond, time.Millisecond, map[string]bool{SwitchPreview: false})
	id := e.upload(t, []byte("tiny"))
	start := time.Now()
	ok(t)(e.postItem(t, e.fileItemBody("root", "down.txt", id)))
	if d := time.Since(start); d < 240*time.Millisecond {
		t.Fatalf("create took %v, want the whole wait (about 0.25 s)", d)
	}
	if f := decode(t, ok(t)(e.do(t, "GET", e.filesPath()+"/"+id, nil, nil))); f.Metadata.ThumbnailsStatus != "waiting" {
		t.Fatalf("status %q", f.Metadata.ThumbnailsStatus)
	}
}

// SwitchInitRace: the first chunk of an entity answers 500, a retry passes.
func TestInitRaceFault(t *testing.T) {
	e := start(t, false, map[string]bool{SwitchInitRace: true})
	id := e.initFile(t)
	if st, b := e.chunk(t, id, plan(1, 1, 1, "r"), []byte("r")); st != 500 {
		t.Fatalf("first chunk: %d %s", st, b)
	}
	ok(t)(e.chunk(t, id, plan(1, 1, 1, "r"), []byte("r")))
}

// Twake Drive legacy: one-chunk files stay "waiting" (no preview asked)
// and its Drive create does not wait for them.
func TestTDriveCreateDoesNotWait(t *testing.T) {
	e := startPreview(t, 50*time.Millisecond, time.Hour, map[string]bool{SwitchTDrive: true})
	id := e.upload(t, []byte("tiny"))
	if f := decode(t, ok(t)(e.do(t, "GET", e.filesPath()+"/"+id, nil, nil))); f.Metadata.ThumbnailsStatus != "waiting" {
		t.Fatalf("status %q", f.Metadata.ThumbnailsStatus)
	}
	start := time.Now()
	ok(t)(e.postItem(t, e.fileItemBody("root", "t.txt", id)))
	if d := time.Since(start); d > 40*time.Millisecond {
		t.Fatalf("create took %v; Twake Drive legacy does not wait", d)
	}
}

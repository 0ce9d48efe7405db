package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHandoffRoundTrip(t *testing.T) {
	sock := handoffSocket(filepath.Join(t.TempDir(), "data"))
	var mu sync.Mutex
	var got []handoffRequest
	srv, err := listenHandoff(sock, func(_ context.Context, req handoffRequest) (handoffReply, error) {
		mu.Lock()
		got = append(got, req)
		mu.Unlock()
		if req.Op == "boom" {
			return handoffReply{}, errors.New("boom refused")
		}
		return handoffReply{Queued: len(req.Paths), Target: req.Target}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkEndpointPrivate(t, sock)
	ctx := context.Background()
	r, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffUpload, Paths: []string{"/a", "/b"}, Target: "t", Force: true})
	if err != nil || !r.OK || r.Queued != 2 || r.Target != "t" {
		t.Errorf("upload reply %+v, %v", r, err)
	}
	if _, err := sendHandoff(ctx, sock, handoffRequest{Op: "boom"}); err == nil || !strings.Contains(err.Error(), "boom refused") {
		t.Errorf("refused request: %v", err)
	}
	mu.Lock()
	if len(got) != 2 || !got[0].Force || got[0].Paths[1] != "/b" {
		t.Errorf("server saw %+v", got)
	}
	mu.Unlock()

	// A second server on the same socket is refused while the first serves.
	if _, err := listenHandoff(sock, nil); !errors.Is(err, errInstanceRunning) {
		t.Errorf("second listener: %v", err)
	}
	// A line that is not JSON gets an error reply, not a hang.
	conn, err := dialEndpoint(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("show\n")); err != nil {
		t.Fatal(err)
	}
	reply, err := readHandoffLine[handoffReply](conn)
	conn.Close()
	if err != nil || reply.OK || !strings.Contains(reply.Error, "read hand-off message") {
		t.Errorf("garbage request: %+v, %v", reply, err)
	}

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	checkEndpointGone(t, sock)
	if _, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffShow}); !errors.Is(err, errNoInstance) {
		t.Errorf("send without a server: %v", err)
	}
}

func TestHandoffLineLimit(t *testing.T) {
	long := strings.NewReader(`{"op":"` + strings.Repeat("x", handoffMaxRequest) + `"}` + "\n")
	if _, err := readHandoffLine[handoffRequest](long); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("oversized line: %v", err)
	}
	last := strings.NewReader(`{"op":"quit"}`) // no newline before EOF
	if r, err := readHandoffLine[handoffRequest](last); err != nil || r.Op != handoffQuit {
		t.Errorf("last line without newline: %+v, %v", r, err)
	}
}

// TestUploadHandsOffToRunningApp runs `ferry upload` while a desktop
// backend holds the queue and serves the socket: the files are queued by
// the running instance and the command exits 0 saying so.
func TestUploadHandsOffToRunningApp(t *testing.T) {
	e := newEnv(t)
	g := newGUIEnv(t, e)
	if _, err := g.b.setupSandbox(freeAddr(t), false); err != nil {
		t.Fatal(err)
	}
	srv, err := listenHandoff(handoffSocket(e.vars["FERRY_DATA_DIR"]), func(_ context.Context, req handoffRequest) (handoffReply, error) {
		return g.b.queueUpload(req)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	writeFiles(t, e.dir, map[string]string{"handed/one.txt": "1", "handed/two.txt": "22"})
	r := e.run(context.Background(), "", "upload", "--no-wait", "--to", "inbox", filepath.Join(e.dir, "handed"))
	if r.code != ExitOK || !strings.Contains(r.out, "handed 2 file(s) for sandbox to the running Ferry") {
		t.Fatalf("upload: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	waitFor(t, "the handed files", func() bool {
		p := sandboxPaths(g.b)
		return hasSuffix(p, "/inbox/handed/one.txt") && hasSuffix(p, "/inbox/handed/two.txt")
	})
	// Again: the running app reports them as already sent.
	r = e.run(context.Background(), "", "upload", "--to", "inbox", filepath.Join(e.dir, "handed"))
	if r.code != ExitOK || !strings.Contains(r.errOut, "2 file(s) already uploaded") || !strings.Contains(r.out, "nothing to upload") {
		t.Errorf("second upload: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	// Without a server (a busy queue held by `ferry watch`), busy stays the error.
	srv.Close()
	r = e.run(context.Background(), "", "upload", filepath.Join(e.dir, "handed"))
	if r.code != ExitFailure || !strings.Contains(r.errOut, "another Ferry is running") {
		t.Errorf("upload with a busy queue and no app: exit %d\n%s", r.code, r.errOut)
	}
}

func TestCheckDisplayAndWantsGUI(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	if err := checkDisplay("linux", env(nil)); err == nil || !strings.Contains(err.Error(), "ferry watch") {
		t.Errorf("linux without a display: %v", err)
	}
	for _, vars := range []map[string]string{{"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"}} {
		if err := checkDisplay("freebsd", env(vars)); err != nil {
			t.Errorf("display %v: %v", vars, err)
		}
	}
	if err := checkDisplay("windows", env(nil)); err != nil {
		t.Errorf("windows: %v", err)
	}
	for args, want := range map[string]bool{
		"": true, "--background": true, "--config x.toml --background": true, "--log-level debug": true,
		"upload a.txt": false, "--version": false, "help": false, "--config x.toml watch": false, "--nope": false,
	} {
		if got := wantsGUI(strings.Fields(args)); got != want {
			t.Errorf("wantsGUI(%q) = %v, want %v", args, got, want)
		}
	}
}

// TestEngineHandoff is the headless (`ferry watch`) side: uploads are
// queued on the engine, quit stops, window requests are refused.
func TestEngineHandoff(t *testing.T) {
	e := newEnv(t)
	g := newGUIEnv(t, e) // a runtime with a running engine and the sandbox target
	if _, err := g.b.setupSandbox(freeAddr(t), false); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	srv, err := listenEngineHandoff(g.b.rt, func() { close(stopped) })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sock := handoffSocket(e.vars["FERRY_DATA_DIR"])
	writeFiles(t, e.dir, map[string]string{"w.txt": "watched"})
	ctx := context.Background()
	r, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffUpload, Paths: []string{filepath.Join(e.dir, "w.txt")}})
	if err != nil || r.Queued != 1 || r.Target != sandboxTarget {
		t.Fatalf("upload: %+v, %v", r, err)
	}
	waitFor(t, "the handed file", func() bool { return hasSuffix(sandboxPaths(g.b), "/w.txt") })
	if _, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffShow}); err == nil || !strings.Contains(err.Error(), "without a window") {
		t.Errorf("show: %v", err)
	}
	if _, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffUpload, Paths: []string{"x"}, Conflict: "merge"}); err == nil {
		t.Error("an unknown conflict policy was accepted")
	}
	if _, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffQuit}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("quit did not call stop")
	}
}

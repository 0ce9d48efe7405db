//go:build !windows

package app

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkEndpointPrivate: the socket is mode 0600.
func checkEndpointPrivate(t *testing.T, sock string) {
	t.Helper()
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("socket mode %v, want 0600", perm)
	}
}

// checkEndpointGone: Close removed the socket file.
func checkEndpointGone(t *testing.T, sock string) {
	t.Helper()
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left after Close: %v", err)
	}
}

// makeStaleSocket leaves a socket file nobody listens on, as a process
// that died (a crash, a power loss) does.
func makeStaleSocket(t *testing.T, sock string) {
	t.Helper()
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
}

func TestHandoffStaleSocketIsRemoved(t *testing.T) {
	sock := handoffSocket(t.TempDir())
	makeStaleSocket(t, sock)
	if _, err := sendHandoff(context.Background(), sock, handoffRequest{Op: handoffShow}); !errors.Is(err, errNoInstance) {
		t.Errorf("stale socket: %v", err)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("stale socket not removed: %v", err)
	}
	// A new server takes over a stale socket too.
	makeStaleSocket(t, sock)
	srv, err := listenHandoff(sock, func(context.Context, handoffRequest) (handoffReply, error) { return handoffReply{}, nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sendHandoff(context.Background(), sock, handoffRequest{Op: handoffShow}); err != nil {
		t.Error(err)
	}
	if err := srv.Close(); err != nil {
		t.Error(err)
	}
}

// TestHandoffUnusableEndpoint: something that is not a socket sits where
// the socket goes (here a folder with a file in it). The hand-off reports
// it as unusable without deleting the user's files, the desktop app's
// start-up check warns and goes on, and serving falls back to no server.
func TestHandoffUnusableEndpoint(t *testing.T) {
	sock := handoffSocket(t.TempDir())
	writeFiles(t, sock, map[string]string{"keep.txt": "mine"})
	_, err := sendHandoff(context.Background(), sock, handoffRequest{Op: handoffShow})
	if !errors.Is(err, errHandoffUnusable) || !strings.Contains(err.Error(), "is a folder, not a socket") {
		t.Fatalf("folder in the socket's place: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sock, "keep.txt")); err != nil {
		t.Errorf("the user's file went: %v", err)
	}
	var errOut bytes.Buffer
	c := &cli{IO: IO{Out: &bytes.Buffer{}, Err: &errOut}}
	raised, warning := c.raiseRunningApp(context.Background(), sock)
	if raised || !errors.Is(warning, errHandoffUnusable) || !strings.Contains(errOut.String(), "starting without handing over") {
		t.Errorf("raiseRunningApp: raised %v, warning %v, stderr %q", raised, warning, errOut.String())
	}
	var warned []string
	srv := serveHandoff(sock, nil, func(msg string, args ...any) { warned = append(warned, msg) })
	if srv != nil || len(warned) != 1 {
		t.Errorf("serveHandoff on a folder: server %v, warnings %q", srv, warned)
	}
	if err := srv.Close(); err != nil { // the nil server's Close is a no-op
		t.Error(err)
	}
	// A socket path longer than sun_path is unusable too, not fatal.
	long := handoffSocket(filepath.Join(t.TempDir(), strings.Repeat("d", 120)))
	if _, err := sendHandoff(context.Background(), long, handoffRequest{Op: handoffShow}); !errors.Is(err, errHandoffUnusable) {
		t.Errorf("socket path of %d bytes: %v", len(long), err)
	}
}

// TestRaiseRunningApp is the desktop app's start-up decision with no
// endpoint, a stale one and a live one.
func TestRaiseRunningApp(t *testing.T) {
	var errOut bytes.Buffer
	c := &cli{IO: IO{Out: &bytes.Buffer{}, Err: &errOut}}
	ctx := context.Background()
	sock := handoffSocket(t.TempDir())
	if raised, warning := c.raiseRunningApp(ctx, sock); raised || warning != nil {
		t.Errorf("no endpoint: raised %v, warning %v", raised, warning)
	}
	makeStaleSocket(t, sock)
	if raised, warning := c.raiseRunningApp(ctx, sock); raised || warning != nil {
		t.Errorf("stale endpoint: raised %v, warning %v", raised, warning)
	}
	shown := make(chan string, 1)
	srv, err := listenHandoff(sock, func(_ context.Context, req handoffRequest) (handoffReply, error) {
		shown <- req.Op
		return handoffReply{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if raised, warning := c.raiseRunningApp(ctx, sock); !raised || warning != nil || <-shown != handoffShow {
		t.Errorf("live endpoint: raised %v, warning %v", raised, warning)
	}
	if errOut.String() != "Ferry is already running: its window is in front now\n" {
		t.Errorf("stderr %q", errOut.String())
	}
}

// The socket file appears only once something listens on it: a second
// Ferry that finds it and is refused takes it for a stale one and removes
// it, which left the starting app without its hand-off. A prober dials
// the path whenever it exists while the endpoint is set up, 200 times.
func TestHandoffSocketAppearsListening(t *testing.T) {
	dir := t.TempDir()
	sock := handoffSocket(dir)
	for round := range 200 {
		stop := make(chan struct{})
		refused := make(chan error, 1)
		go func() {
			for {
				select {
				case <-stop:
					close(refused)
					return
				default:
				}
				if _, err := os.Lstat(sock); err != nil {
					continue
				}
				c, err := net.Dial("unix", sock)
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					refused <- err
					return
				}
				if c != nil {
					c.Close()
				}
			}
		}()
		ln, err := listenEndpoint(sock)
		close(stop)
		if err != nil {
			t.Fatalf("round %d: listen: %v", round, err)
		}
		if err, ok := <-refused; ok {
			t.Fatalf("round %d: the socket file existed while nothing listened: %v", round, err)
		}
		checkEndpointPrivate(t, sock)
		ln.Close()
		if err := removeEndpoint(sock); err != nil {
			t.Fatal(err)
		}
		checkEndpointGone(t, sock)
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
			t.Fatalf("round %d: left in the data dir: %v %v", round, entries, err)
		}
	}
}

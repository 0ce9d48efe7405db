//go:build linux

package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/config"
)

// startChild marks the test binary re-run under dbus-run-session and
// xvfb-run by TestGUIStartsWhateverTheHandoffEndpoint itself.
const startChild = "FERRY_GUI_START_CHILD"

// TestGUIStartsWhateverTheHandoffEndpoint runs the real desktop app with
// no hand-off endpoint, a stale one, one that cannot be used (a folder in
// the socket's place) and a live one. It must start in the first three
// (and serve the hand-off where it can), and hand over to the live one.
func TestGUIStartsWhateverTheHandoffEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the desktop app four times")
	}
	if os.Getenv("DISPLAY") == "" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv(startChild) != "" {
			t.Fatal("no DISPLAY or session bus inside dbus-run-session and xvfb-run")
		}
		rerunUnderXvfb(t, "TestGUIStartsWhateverTheHandoffEndpoint", startChild)
		return
	}
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command(goTool(t), "build", "-o", bin, "github.com/ferry-sync/ferry")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("no endpoint", func(t *testing.T) {
		dir := t.TempDir()
		app := startApp(t, bin, dir)
		app.waitStarted(t)
		app.quitByHandoff(t)
	})
	t.Run("stale endpoint", func(t *testing.T) {
		dir := t.TempDir()
		sock := handoffSocket(filepath.Join(dir, "data"))
		if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
			t.Fatal(err)
		}
		makeStaleSocket(t, sock)
		app := startApp(t, bin, dir)
		app.waitStarted(t)
		app.quitByHandoff(t) // it took the socket over
	})
	t.Run("unusable endpoint", func(t *testing.T) {
		dir := t.TempDir()
		sock := handoffSocket(filepath.Join(dir, "data"))
		writeFiles(t, sock, map[string]string{"keep.txt": "mine"})
		app := startApp(t, bin, dir)
		app.waitStarted(t)
		for _, want := range []string{"warning:", "is a folder, not a socket", "hand-off unavailable; running without it"} {
			if !strings.Contains(app.output(), want) {
				t.Errorf("output lacks %q", want)
			}
		}
		app.stop(t, syscall.SIGTERM)
		if _, err := os.Stat(filepath.Join(sock, "keep.txt")); err != nil {
			t.Errorf("the user's file went: %v", err)
		}
	})
	t.Run("live endpoint", func(t *testing.T) {
		dir := t.TempDir()
		sock := handoffSocket(filepath.Join(dir, "data"))
		shown := make(chan string, 1)
		srv, err := listenHandoff(sock, func(_ context.Context, req handoffRequest) (handoffReply, error) {
			shown <- req.Op
			return handoffReply{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		app := startApp(t, bin, dir)
		if err := app.wait(20 * time.Second); err != nil {
			t.Fatalf("second instance: %v\n%s", err, app.output())
		}
		select {
		case op := <-shown:
			if op != handoffShow {
				t.Errorf("the running instance got %q", op)
			}
		default:
			t.Error("the running instance got no request")
		}
		if !strings.Contains(app.output(), "Ferry is already running") || strings.Contains(app.output(), "gui: started") {
			t.Errorf("second instance output:\n%s", app.output())
		}
	})
}

// guiProcess is one run of the desktop app binary.
type guiProcess struct {
	cmd  *exec.Cmd
	sock string
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit error, once done
}

func (p *guiProcess) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *guiProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// startApp runs bin as the desktop app with its config, data and secrets
// below dir, logging at info level to stderr.
func startApp(t *testing.T, bin, dir string) *guiProcess {
	t.Helper()
	dataDir := filepath.Join(dir, "data")
	p := &guiProcess{sock: handoffSocket(dataDir), done: make(chan struct{})}
	p.cmd = exec.Command(bin, "--log-level", "info")
	p.cmd.Env = append(os.Environ(), config.EnvConfig+"="+filepath.Join(dir, "config.toml"),
		config.EnvDataDir+"="+dataDir, EnvSecrets+"=file:"+filepath.Join(dir, "secrets"),
		"HOME="+dir, "LANG=C.UTF-8")
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill() // the test failed first; its error says why
			<-p.done
		}
		if t.Failed() {
			t.Logf("ferry output:\n%s", p.output())
		}
	})
	return p
}

// wait returns the exit error, or an error when the app runs on after d.
func (p *guiProcess) wait(d time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		return errors.New("still running after " + d.String())
	}
}

// waitStarted waits for the app's "gui: started" log line.
func (p *guiProcess) waitStarted(t *testing.T) {
	t.Helper()
	waitFor(t, "the app's start", func() bool {
		select {
		case <-p.done:
			t.Fatalf("the app exited (%v) before it started:\n%s", p.err, p.output())
		default:
		}
		return strings.Contains(p.output(), "gui: started")
	})
}

// quitByHandoff sends "quit" through the hand-off and expects exit 0.
func (p *guiProcess) quitByHandoff(t *testing.T) {
	t.Helper()
	if _, err := sendHandoff(context.Background(), p.sock, handoffRequest{Op: handoffQuit}); err != nil {
		t.Fatalf("quit by hand-off: %v", err)
	}
	if err := p.wait(10 * time.Second); err != nil {
		t.Fatalf("after quit: %v", err)
	}
}

// stop sends sig and expects exit 0.
func (p *guiProcess) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(10 * time.Second); err != nil {
		t.Fatalf("after %v: %v", sig, err)
	}
}

// rerunUnderXvfb re-runs the test named name in this test binary under
// dbus-run-session and xvfb-run, with marker set in its environment.
func rerunUnderXvfb(t *testing.T, name, marker string) {
	t.Helper()
	for _, tool := range []string{"dbus-run-session", "xvfb-run"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no display and no %s to make one (install dbus and xvfb xauth)", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dbus-run-session", "--", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
		os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), marker+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s under xvfb-run: %v\n%s", name, err, out)
	}
	t.Logf("%s", out)
}

package ferrytest

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEnvIsolated checks the environment of an Env: its own three paths,
// and no FERRY_* variable of the caller.
func TestEnvIsolated(t *testing.T) {
	t.Setenv("FERRY_LEAK_CHECK", "from-the-developer")
	dir := t.TempDir()
	e := NewEnv(t, dir)
	want := []string{
		"FERRY_CONFIG=" + filepath.Join(dir, "config.toml"),
		"FERRY_DATA_DIR=" + filepath.Join(dir, "data"),
		"FERRY_SECRETS=file:" + filepath.Join(dir, "secrets.json"),
	}
	var got []string
	for _, kv := range e.Vars {
		if strings.HasPrefix(kv, "FERRY_") {
			got = append(got, kv)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("FERRY_ variables = %q, want %q", got, want)
	}
	if e.Config != filepath.Join(dir, "config.toml") || e.Data != filepath.Join(dir, "data") || e.Secrets != filepath.Join(dir, "secrets.json") {
		t.Errorf("paths = %q %q %q", e.Config, e.Data, e.Secrets)
	}
	if cmd := e.Command("version"); cmd.Path != Binary() || !slices.Equal(cmd.Env, e.Vars) {
		t.Errorf("Command: path %q env differs from Vars", cmd.Path)
	}
}

// TestEnvRun runs real commands: a successful one, a failing one (a
// Result, not a test failure) and one killed at its timeout.
func TestEnvRun(t *testing.T) {
	t.Parallel()
	e := NewEnv(t, "")
	r := e.MustRun(30*time.Second, "", "version")
	if r.Code != 0 || r.TimedOut || strings.TrimSpace(r.Stdout) == "" {
		t.Errorf("ferry version: %+v", r)
	}
	r = e.Run(30*time.Second, "", "no-such-command")
	if r.Code == 0 || r.TimedOut {
		t.Errorf("ferry no-such-command: %+v, want a non-zero exit", r)
	}
	// The sandbox serves until stopped, so it outlives a short timeout.
	r = e.Run(300*time.Millisecond, "", "sandbox", "--addr", "127.0.0.1:0", "--dir", t.TempDir())
	if !r.TimedOut || r.Code != -1 {
		t.Errorf("long command: %+v, want TimedOut and code -1", r)
	}
	if _, err := os.Stat(e.Config); err == nil {
		t.Errorf("version or a failed command wrote %s", e.Config)
	}
}

// TestProcStopAndKill starts long-running ferry processes and ends them
// both ways.
func TestProcStopAndKill(t *testing.T) {
	t.Parallel()
	e := NewEnv(t, "")
	listening := func(p *Proc) func() bool {
		return func() bool { return strings.Count(p.Stdout(), "add it:") >= sandboxAPIs }
	}

	p := e.Start("sandbox", "--addr", "127.0.0.1:0", "--dir", t.TempDir())
	if !p.WaitUntil(30*time.Second, listening(p)) {
		t.Fatalf("sandbox not ready:\n%s%s", p.Stdout(), p.Stderr())
	}
	if p.Exited() {
		t.Fatal("Exited is true for a running sandbox")
	}
	if err := p.Stop(syscall.SIGTERM, 10*time.Second); err != nil {
		t.Errorf("Stop(SIGTERM) = %v, want a clean exit", err)
	}
	if !p.Exited() {
		t.Error("Exited is false after Stop")
	}
	if err := p.Stop(syscall.SIGTERM, time.Second); !errors.Is(err, ErrExited) {
		t.Errorf("second Stop = %v, want ErrExited", err)
	}

	q := e.StartTo(io.Discard, nil, "sandbox", "--addr", "127.0.0.1:0", "--dir", t.TempDir())
	if q.Stdout() != "" {
		t.Error("Stdout is not empty for a process with its own writer")
	}
	if !q.Kill9(t) {
		t.Fatal("Kill9 reported a running process as exited")
	}
	if q.Err() == nil {
		t.Error("a SIGKILLed process exited cleanly")
	}
	if q.Kill9(t) {
		t.Error("Kill9 reported a kill of an exited process")
	}
	if err := q.Wait(t, time.Second); err == nil {
		t.Error("Wait of a killed process returned nil")
	}
}

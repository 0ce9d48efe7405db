package ferrytest

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Env is one simulated user's Ferry: its own config file, data folder
// (queue, logs) and secrets file, all below Dir. Every command it runs
// gets the caller's environment without any FERRY_* variable, plus
// FERRY_CONFIG, FERRY_DATA_DIR and FERRY_SECRETS=file:Secrets, so a
// developer's own Ferry settings never leak into a test.
type Env struct {
	t *testing.T
	// Dir holds everything below; Config, Data and Secrets are its
	// config.toml, data folder and secrets.json.
	Dir, Config, Data, Secrets string
	// Vars is the environment of every command, as for exec.Cmd.Env.
	Vars []string
}

// NewEnv makes the environment of one user below dir, or below a new
// t.TempDir() when dir is "". It creates no file: ferry does on first use.
func NewEnv(t *testing.T, dir string) *Env {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	e := &Env{
		t: t, Dir: dir, Config: filepath.Join(dir, "config.toml"),
		Data: filepath.Join(dir, "data"), Secrets: filepath.Join(dir, "secrets.json"),
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FERRY_") {
			e.Vars = append(e.Vars, kv)
		}
	}
	e.Vars = append(e.Vars, "FERRY_CONFIG="+e.Config, "FERRY_DATA_DIR="+e.Data, "FERRY_SECRETS=file:"+e.Secrets)
	return e
}

// Command is ferry with args in this environment, not started, for
// callers that wrap or redirect it themselves.
func (e *Env) Command(args ...string) *exec.Cmd {
	cmd := exec.Command(Binary(), args...)
	cmd.Env = e.Vars
	return cmd
}

// Result is a finished ferry command.
type Result struct {
	Code           int // exit code; -1 when it was killed at its timeout
	Stdout, Stderr string
	Took           time.Duration
	TimedOut       bool
}

// Run runs ferry with args and stdin, bounded by timeout: a command still
// running then is killed and reported with TimedOut set. A non-zero exit
// is a Result, not a failure; it fails the test only when the command
// cannot start.
func (e *Env) Run(timeout time.Duration, stdin string, args ...string) Result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(), args...)
	cmd.Env, cmd.Stdin = e.Vars, strings.NewReader(stdin)
	// A grandchild holding the output pipes must not hang Run past the kill.
	cmd.WaitDelay = 10 * time.Second
	var out, errOut buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := Result{Stdout: out.String(), Stderr: errOut.String(), Took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.Code, r.TimedOut = -1, true
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		e.t.Fatalf("ferry %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// MustRun is Run that fails the test, quoting both outputs, when the
// command times out or exits non-zero.
func (e *Env) MustRun(timeout time.Duration, stdin string, args ...string) Result {
	e.t.Helper()
	r := e.Run(timeout, stdin, args...)
	if r.TimedOut {
		e.t.Fatalf("ferry %s: no exit within %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), timeout, r.Stdout, r.Stderr)
	}
	if r.Code != 0 {
		e.t.Fatalf("ferry %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// Start runs ferry with args in the background, its output kept in memory
// (Proc.Stdout, Proc.Stderr). t.Cleanup kills it if it still runs.
func (e *Env) Start(args ...string) *Proc {
	e.t.Helper()
	return e.StartTo(nil, nil, args...)
}

// StartTo is Start with the output going to stdout and stderr (nil keeps
// that stream in memory), e.g. files that accumulate over restarts.
func (e *Env) StartTo(stdout, stderr io.Writer, args ...string) *Proc {
	e.t.Helper()
	return startProc(e.t, e.Command(args...), stdout, stderr)
}

// StartIn is StartTo with the working directory dir ("" for the test's),
// e.g. inside a watched folder, as `cd ~/outbox && ferry watch` would be.
func (e *Env) StartIn(dir string, stdout, stderr io.Writer, args ...string) *Proc {
	e.t.Helper()
	cmd := e.Command(args...)
	cmd.Dir = dir
	return startProc(e.t, cmd, stdout, stderr)
}

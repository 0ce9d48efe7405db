package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ferryEnv is one user's Ferry: its own config file, data folder (queue,
// logs) and secrets file, all in a temporary folder.
type ferryEnv struct {
	t   *testing.T
	dir string
	env []string
}

func newFerry(t *testing.T) *ferryEnv {
	t.Helper()
	dir := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FERRY_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"FERRY_CONFIG="+filepath.Join(dir, "config.toml"),
		"FERRY_DATA_DIR="+filepath.Join(dir, "data"),
		"FERRY_SECRETS=file:"+filepath.Join(dir, "secrets.json"),
	)
	return &ferryEnv{t: t, dir: dir, env: env}
}

// result is a finished ferry command.
type result struct {
	code           int // -1 when it was killed at its timeout
	stdout, stderr string
	took           time.Duration
	timedOut       bool
}

// run runs ferry with args and stdin, bounded by timeout (then killed and
// reported with timedOut set).
func (f *ferryEnv) run(timeout time.Duration, stdin string, args ...string) result {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ferryBin, args...)
	cmd.Env, cmd.Stdin = f.env, strings.NewReader(stdin)
	var out, errOut syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.code, r.timedOut = -1, true
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		f.t.Fatalf("ferry %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// mustRun is run that fails the test on a non-zero exit.
func (f *ferryEnv) mustRun(timeout time.Duration, stdin string, args ...string) result {
	f.t.Helper()
	r := f.run(timeout, stdin, args...)
	if r.timedOut {
		f.t.Fatalf("ferry %s: no exit within %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), timeout, r.stdout, r.stderr)
	}
	if r.code != 0 {
		f.t.Fatalf("ferry %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// addTarget runs `ferry target add` with the secrets on standard input,
// one per line, and the 1 MiB test chunk size.
func (f *ferryEnv) addTarget(name, kind, url string, secrets []string, flags ...string) {
	f.t.Helper()
	args := append([]string{
		"target", "add", "--name", name, "--kind", kind, "--url", url,
		"--chunk-size", "1MiB", "--secret-stdin",
	}, flags...)
	f.mustRun(30*time.Second, strings.Join(secrets, "\n")+"\n", args...)
}

// uploadArgs is the upload command of every test: the tree below remote
// folder "e2e", plain progress lines.
func uploadArgs(target, tree string) []string {
	return []string{"upload", "--target", target, "--to", "e2e", "--progress", "plain", tree}
}

// ferryProc is a ferry command running in the background.
type ferryProc struct {
	cmd         *exec.Cmd
	out, errOut *syncBuffer
	done        chan struct{} // closed when the process has exited
	err         error         // cmd.Wait's result, valid once done is closed
}

// start runs ferry with args in the background; t.Cleanup kills it if it
// is still running.
func (f *ferryEnv) start(args ...string) *ferryProc {
	f.t.Helper()
	cmd := exec.Command(ferryBin, args...)
	p := &ferryProc{cmd: cmd, out: &syncBuffer{}, errOut: &syncBuffer{}, done: make(chan struct{})}
	cmd.Env, cmd.Stdout, cmd.Stderr = f.env, p.out, p.errOut
	if err := cmd.Start(); err != nil {
		f.t.Fatalf("start ferry %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	f.t.Cleanup(func() {
		_ = cmd.Process.Kill() // fails harmlessly when it has exited
		<-p.done
	})
	return p
}

// exited reports whether the process has exited.
func (p *ferryProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits at most timeout for the process to exit and returns its
// error; it fails the test on timeout.
func (p *ferryProc) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("ferry did not exit within %s\nstdout:\n%s\nstderr:\n%s", timeout, p.out.String(), p.errOut.String())
		return nil
	}
}

// kill9 sends SIGKILL and waits (at most 10s) for the process to be gone.
// It reports false when the process had already exited by itself.
func (p *ferryProc) kill9(t *testing.T) bool {
	t.Helper()
	if p.exited() {
		return false
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill -9 ferry: %v", err)
	}
	p.wait(t, 10*time.Second)
	return true
}

// waitUntil polls cond every 10ms until it holds, the process exits, or
// timeout passes. It reports whether cond held.
func (p *ferryProc) waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		select {
		case <-p.done:
			return cond()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

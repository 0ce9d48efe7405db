package soak

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// sandboxProc is a running `ferry sandbox` child process.
type sandboxProc struct {
	cmd       *exec.Cmd
	base      string // http://127.0.0.1:PORT
	companyID string // twake company id from the printed `target add` line
	stdout    string // everything printed up to the last "add it:" line
	client    *http.Client
}

var (
	listenRE  = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	companyRE = regexp.MustCompile(`--company-id (\S+)`)
)

// startSandbox runs `ferry sandbox` on a free loopback port with the fault
// profile and waits until it printed every API. It is stopped (SIGINT, then
// SIGKILL after 10 s) when the test ends.
func startSandbox(t *testing.T, dir, faults string) *sandboxProc {
	t.Helper()
	cmd := exec.Command(ferryBin, "sandbox", "--dir", filepath.Join(dir, "sandbox"), "--addr", "127.0.0.1:0", "--faults", faults)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errFile, err := os.Create(filepath.Join(dir, "sandbox.err"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = errFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() {
		stopProcess(t, cmd, "sandbox")
		errFile.Close()
	})
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		// Keep draining so the sandbox never blocks on a full pipe.
		_, _ = io.Copy(io.Discard, stdout)
	}()
	p := &sandboxProc{cmd: cmd, client: &http.Client{Timeout: 10 * time.Second}}
	var out strings.Builder
	deadline := time.After(30 * time.Second)
	for seen := 0; seen < 4; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("sandbox exited early; output:\n%s", out.String())
			}
			out.WriteString(l + "\n")
			if strings.Contains(l, "add it:") {
				seen++
			}
		case <-deadline:
			t.Fatalf("sandbox did not print its four APIs in time:\n%s", out.String())
		}
	}
	go func() {
		for range lines {
			// Drain the rest of the output: the lines are not needed.
		}
	}()
	p.stdout = out.String()
	m := listenRE.FindStringSubmatch(p.stdout)
	if m == nil {
		t.Fatalf("no loopback base URL in sandbox output:\n%s", p.stdout)
	}
	p.base = m[1]
	if m := companyRE.FindStringSubmatch(p.stdout); m != nil {
		p.companyID = m[1]
	}
	return p
}

// getJSON decodes GET base+path into v.
func (p *sandboxProc) getJSON(path string, v any) error {
	resp, err := p.client.Get(p.base + path)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(v); err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	return nil
}

func (p *sandboxProc) tree() ([]sandbox.Entry, error) {
	var es []sandbox.Entry
	return es, p.getJSON("/_sandbox/tree", &es)
}

func (p *sandboxProc) stats() (sandbox.Stats, error) {
	var st sandbox.Stats
	return st, p.getJSON("/_sandbox/stats", &st)
}

// credential returns the first credential value of api with this kind
// and name ("" matches any name).
func (p *sandboxProc) credential(t *testing.T, api, kind, name string) string {
	t.Helper()
	var cs []sandbox.Credential
	if err := p.getJSON("/_sandbox/credentials", &cs); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.API == api && c.Kind == kind && (name == "" || c.Name == name) {
			return c.Value
		}
	}
	t.Fatalf("sandbox has no %s %s credential %q", api, kind, name)
	return ""
}

// ferryEnv is the environment and global flags every ferry command of one
// provider's run uses: its own config, data dir and secret file.
type ferryEnv struct {
	dir, config, data, secrets string
}

func newFerryEnv(dir string) ferryEnv {
	return ferryEnv{
		dir: dir, config: filepath.Join(dir, "config.toml"),
		data: filepath.Join(dir, "data"), secrets: filepath.Join(dir, "secrets"),
	}
}

func (e ferryEnv) command(args ...string) *exec.Cmd {
	cmd := exec.Command(ferryBin, append([]string{"--secrets", "file:" + e.secrets}, args...)...)
	cmd.Env = append(os.Environ(), "FERRY_CONFIG="+e.config, "FERRY_DATA_DIR="+e.data, "FERRY_SECRETS=")
	return cmd
}

// run executes one short ferry command with stdin and fails the test when
// it does not exit 0. It returns standard output.
func (e ferryEnv) run(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := e.command(args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatalf("ferry %s: %v", args[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ferry %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
		}
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("ferry %s did not finish in time", strings.Join(args, " "))
	}
	return out.String()
}

// watchProc is one `ferry watch` child; its output goes to files that
// accumulate over restarts.
type watchProc struct {
	cmd  *exec.Cmd
	done chan error
}

func (e ferryEnv) startWatch(t *testing.T, stdout, stderr *os.File) *watchProc {
	t.Helper()
	cmd := e.command("watch")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ferry watch: %v", err)
	}
	w := &watchProc{cmd: cmd, done: make(chan error, 1)}
	go func() { w.done <- cmd.Wait() }()
	return w
}

// kill sends SIGKILL and waits for the process to be gone.
func (w *watchProc) kill(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		// Already exited: that is a failure of ferry watch, not of the kill.
		t.Fatalf("ferry watch exited before it was killed: %v", <-w.done)
	}
	<-w.done
}

// stop asks for a clean stop (SIGINT) and returns the exit error.
func (w *watchProc) stop(t *testing.T) error {
	t.Helper()
	if err := w.cmd.Process.Signal(os.Interrupt); err != nil {
		return fmt.Errorf("ferry watch had already exited: %w", <-w.done)
	}
	select {
	case err := <-w.done:
		return err
	case <-time.After(30 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
		return fmt.Errorf("ferry watch did not stop within 30s of SIGINT")
	}
}

// stopProcess ends a helper process started by this test: SIGINT, then
// SIGKILL after 10 s.
func stopProcess(t *testing.T, cmd *exec.Cmd, what string) {
	if cmd.ProcessState != nil {
		return
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		<-done
		return
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Errorf("%s did not stop on SIGINT; killing it", what)
		_ = cmd.Process.Kill()
		<-done
	}
}

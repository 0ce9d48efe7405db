package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// sandboxProc is one `ferry sandbox` child process.
type sandboxProc struct {
	cmd       *exec.Cmd
	base      string // http://127.0.0.1:PORT
	companyID string // twake company id from the printed `target add` line
	creds     []sandbox.Credential
	exited    chan struct{}  // closed once the process is gone
	checks    []pendingCheck // stored files to check before it stops (verify)
}

var (
	listenRE  = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	companyRE = regexp.MustCompile(`--company-id (\S+)`)
)

// startSandbox runs `ferry sandbox` on a free loopback port storing into
// dir, waits (at most 60s) until it printed its four APIs, and stops it
// (SIGTERM, then SIGKILL after 10s) in t.Cleanup.
func startSandbox(t *testing.T, bin, dir string) *sandboxProc {
	t.Helper()
	cmd := exec.Command(bin, "sandbox", "--dir", dir, "--addr", "127.0.0.1:0", "--log-size", "100")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("sandbox stdout: %v", err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	p := &sandboxProc{cmd: cmd, exited: make(chan struct{})}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		// Wait only after the pipe is drained (os/exec's rule for StdoutPipe).
		_ = cmd.Wait() // the exit status of a stopped sandbox says nothing
		close(p.exited)
	}()
	t.Cleanup(func() { p.stop(t) })
	var out strings.Builder
	deadline := time.After(time.Minute)
	for seen := 0; seen < 4; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("sandbox exited early:\n%s", out.String())
			}
			out.WriteString(l + "\n")
			if strings.Contains(l, "add it:") {
				seen++
			}
		case <-deadline:
			t.Fatalf("sandbox did not print its APIs within a minute:\n%s", out.String())
		}
	}
	go func() {
		for range lines {
			// Keep reading so the sandbox never blocks on a full pipe.
		}
	}()
	m := listenRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no loopback address in the sandbox output:\n%s", out.String())
	}
	p.base = m[1]
	if m := companyRE.FindStringSubmatch(out.String()); m != nil {
		p.companyID = m[1]
	}
	if err := p.getJSON("/_sandbox/credentials", &p.creds); err != nil {
		t.Fatal(err)
	}
	return p
}

// stop ends the sandbox; calls after the first return at once.
func (p *sandboxProc) stop(t *testing.T) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Log("sandbox ignored SIGTERM for 10s; killed")
	}
}

// credential is the value of api's credential of kind (and name unless "").
func (p *sandboxProc) credential(api, kind, name string) (string, error) {
	for _, c := range p.creds {
		if c.API == api && c.Kind == kind && (name == "" || c.Name == name) {
			return c.Value, nil
		}
	}
	return "", fmt.Errorf("sandbox credential %s/%s/%s: none printed", api, kind, name)
}

func (p *sandboxProc) getJSON(path string, v any) error {
	resp, err := http.Get(p.base + path)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<30)).Decode(v); err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	return nil
}

// ferryEnv is one user's Ferry: its own config, data folder and secrets
// file, in a folder of its own.
type ferryEnv struct {
	bin string
	env []string
}

func newFerryEnv(bin, dir string) ferryEnv {
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
	return ferryEnv{bin: bin, env: env}
}

// usage is what one finished process cost.
type usage struct {
	Wall   time.Duration
	CPU    time.Duration // user + system
	MaxRSS int64         // bytes (wait4 ru_maxrss)
}

// run runs ferry with args and stdin, bounded by timeout, and returns its
// standard output and usage; a non-zero exit or timeout is an error that
// carries the end of both outputs.
func (f ferryEnv) run(timeout time.Duration, stdin string, args ...string) (string, usage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, f.bin, args...)
	cmd.Env, cmd.Stdin = f.env, strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return "", usage{}, fmt.Errorf("ferry %s: %w", strings.Join(args, " "), err)
	}
	hwm := pollHWM(cmd.Process.Pid)
	err := cmd.Wait()
	u := usage{Wall: time.Since(start), MaxRSS: hwm()}
	if cmd.ProcessState != nil {
		u.CPU = processCPU(cmd.ProcessState)
	}
	if err != nil {
		return out.String(), u, fmt.Errorf("ferry %s: %w (after %s)\nstdout: %s\nstderr: %s",
			strings.Join(args, " "), err, u.Wall.Round(time.Millisecond), tail(out.String(), 5), tail(errOut.String(), 10))
	}
	return out.String(), u, nil
}

// pollHWM samples the peak RSS (VmHWM) of process pid every 10ms until it
// is gone, and returns a function that stops sampling and yields the last
// (highest) value in bytes. wait4's ru_maxrss cannot be used for children
// of this process: Linux carries the parent's high-water mark over the
// fork into the child, so it reports at least the harness's own size.
func pollHWM(pid int) func() int64 {
	path := fmt.Sprintf("/proc/%d/status", pid)
	stop, done := make(chan struct{}), make(chan int64, 1)
	go func() {
		var peak int64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if v, ok := readHWM(path); ok {
				peak = max(peak, v)
			}
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		return <-done
	}
}

// readHWM reads VmHWM from a /proc status file; ok is false once the
// process is gone (or a zombie, which has no memory line).
func readHWM(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb); err == nil {
				return kb << 10, true
			}
		}
	}
	return 0, false
}

// processCPU is the user + system CPU time of a finished process.
func processCPU(ps *os.ProcessState) time.Duration { return ps.UserTime() + ps.SystemTime() }

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// lineProc is a long-running ferry command whose output lines are
// counted as they come.
type lineProc struct {
	cmd      *exec.Cmd
	mu       sync.Mutex
	stdout   []string
	stderr   []string
	changed  chan struct{} // closed and replaced on every line
	exited   chan struct{}
	waitErr  error
	lastLine time.Time
	hwm      func() int64 // see pollHWM
}

// start runs ferry with args in the background.
func (f ferryEnv) start(args ...string) (*lineProc, error) {
	cmd := exec.Command(f.bin, args...)
	cmd.Env = f.env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ferry %s: %w", strings.Join(args, " "), err)
	}
	p := &lineProc{cmd: cmd, changed: make(chan struct{}), exited: make(chan struct{}), hwm: pollHWM(cmd.Process.Pid)}
	var readers sync.WaitGroup
	for _, r := range []struct {
		src io.Reader
		dst *[]string
	}{{stdout, &p.stdout}, {stderr, &p.stderr}} {
		readers.Go(func() {
			sc := bufio.NewScanner(r.src)
			for sc.Scan() {
				p.mu.Lock()
				*r.dst = append(*r.dst, sc.Text())
				p.lastLine = time.Now()
				close(p.changed)
				p.changed = make(chan struct{})
				p.mu.Unlock()
			}
		})
	}
	go func() {
		readers.Wait()
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// waitFor waits until cond (called with the lock held, on the lines so
// far) holds, the process exits, or timeout passes.
func (p *lineProc) waitFor(timeout time.Duration, what string, cond func(stdout, stderr []string) bool) error {
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		ok, ch := cond(p.stdout, p.stderr), p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-p.exited:
			return fmt.Errorf("ferry exited (%v) before %s:\n%s", p.waitErr, what, p.tails())
		case <-deadline:
			return fmt.Errorf("no %s within %s:\n%s", what, timeout, p.tails())
		}
	}
}

func (p *lineProc) tails() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "stdout: " + tail(strings.Join(p.stdout, "\n"), 5) + "\nstderr: " + tail(strings.Join(p.stderr, "\n"), 10)
}

// interrupt stops the process with SIGINT (SIGKILL after 15s) and returns
// its usage; wall is left zero.
func (p *lineProc) interrupt() (usage, error) {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.hwm()
		return usage{}, errors.New("ferry ignored SIGINT for 15s; killed")
	}
	return usage{CPU: processCPU(p.cmd.ProcessState), MaxRSS: p.hwm()}, nil
}

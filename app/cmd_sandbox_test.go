package app

import (
	"context"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// startSandbox runs `ferry sandbox` in-process on a free port and returns
// its printed output once it is listening, and a stop function that
// returns the exit code.
func startSandbox(t *testing.T, e *env, extra ...string) (out func() string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	io := IO{In: strings.NewReader(""), Out: &stdout, Err: &stderr, Getenv: func(k string) string { return e.vars[k] }}
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, io, append([]string{"sandbox", "--addr", "127.0.0.1:0", "--dir", t.TempDir()}, extra...))
	}()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(stdout.String(), "add it:") || strings.Count(stdout.String(), "add it:") < len(sandboxAPIs()) {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("sandbox exited with %d: %s", code, stderr.String())
		case <-deadline:
			cancel()
			t.Fatalf("sandbox did not print its addresses: %q", stdout.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	stopped := false
	stop = func() int {
		if stopped {
			return ExitOK
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("sandbox did not stop")
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	return stdout.String, stop
}

var baseRE = regexp.MustCompile(`listening on (http\S+)`)

func TestSandboxCommand(t *testing.T) {
	e := newEnv(t)
	out, stop := startSandbox(t, e)
	m := baseRE.FindStringSubmatch(out())
	if m == nil {
		t.Fatalf("no base URL in %q", out())
	}
	for _, s := range sandboxAPIs() {
		if !strings.Contains(out(), s.kind+": base URL "+m[1]) || !strings.Contains(out(), "--kind "+s.kind+" --url "+m[1]) {
			t.Errorf("output lacks %s:\n%s", s.kind, out())
		}
	}
	for _, want := range []string{"api-key", "password", "token", "--company-id"} {
		if !strings.Contains(out(), want) {
			t.Errorf("output lacks %q:\n%s", want, out())
		}
	}
	resp, err := http.Get(m[1] + "/_sandbox/credentials")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("inspection route: %s", resp.Status)
	}
	if code := stop(); code != ExitOK {
		t.Errorf("exit after cancel = %d", code)
	}
}

func TestSandboxTLSPrintsPin(t *testing.T) {
	e := newEnv(t)
	out, _ := startSandbox(t, e, "--tls", "--faults", "latency=1ms", "--strict=false")
	if !regexp.MustCompile(`--tls-pin [0-9a-f]{64}`).MatchString(out()) || !strings.Contains(out(), "https://127.0.0.1:") {
		t.Errorf("TLS output:\n%s", out())
	}
}

func TestSandboxBadFlags(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{
		{"sandbox", "--faults", "500=2"},
		{"sandbox", "--switch", "nonsense"},
		{"sandbox", "extra"},
	} {
		if r := e.run(context.Background(), "", args...); r.code != ExitUsage {
			t.Errorf("ferry %v: exit %d %q, want usage", args, r.code, r.errOut)
		}
	}
	r := e.run(context.Background(), "", "sandbox", "--addr", "0.0.0.0:0")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "loopback") {
		t.Errorf("non-loopback address: %d %q", r.code, r.errOut)
	}
}

// sandboxCreds returns the credential values of one API, by kind.
func sandboxCreds(t *testing.T, srv *sandbox.Server, api string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range srv.Credentials() {
		if c.API == api {
			if _, seen := out[c.Kind]; !seen {
				out[c.Kind] = c.Value
			}
		}
	}
	return out
}

// `ferry sandbox` collects garbage at sandboxGCPercent unless GOGC chose
// a target, and gives the previous target back when it ends.
func TestSandboxGCPercent(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	restore := tuneSandboxGC()
	if got := debug.SetGCPercent(sandboxGCPercent); got != sandboxGCPercent {
		t.Errorf("GC target during the sandbox %d, want %d", got, sandboxGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC target after the sandbox %d, want the previous 100", got)
	}
	t.Setenv("GOGC", "200")
	restore = tuneSandboxGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, the sandbox changed the GC target to %d", got)
	}
	restore()
}

package ferrytest

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Sandbox is one `ferry sandbox` child process serving every provider API
// on a loopback port. Its Must* methods fail the test that started it and
// must be called from that test's goroutine; the others return errors and
// may be called from any goroutine.
type Sandbox struct {
	t *testing.T
	// Base is scheme://127.0.0.1:port, as printed.
	Base string
	// Pin is the printed certificate SHA-256 (hex) with --tls, else "".
	Pin string
	// CompanyID is the Twake company id of the printed `target add` line,
	// or "" when none was printed.
	CompanyID string
	proc      *Proc
	client    *http.Client
}

const (
	// sandboxAPIs is how many "add it:" lines the sandbox prints once
	// every API listens.
	sandboxAPIs = 4
	// readyTimeout bounds the wait for those lines.
	readyTimeout = 30 * time.Second
	// stopGrace is how long the sandbox gets to stop on SIGTERM.
	stopGrace = 10 * time.Second
	// maxJSON caps an inspection answer (a request log of 100,000 entries
	// is far below it).
	maxJSON = 256 << 20
)

var (
	listenRE  = regexp.MustCompile(`listening on (https?://127\.0\.0\.1:\d+)`)
	pinRE     = regexp.MustCompile(`TLS certificate SHA-256: ([0-9a-f]{64})`)
	companyRE = regexp.MustCompile(`--company-id (\S+)`)
)

// StartSandbox is StartSandboxIn with a temporary folder and standard
// error kept in memory.
func StartSandbox(t *testing.T, args ...string) *Sandbox {
	t.Helper()
	return StartSandboxIn(t, "", nil, args...)
}

// StartSandboxIn runs `ferry sandbox --addr 127.0.0.1:0 --dir dir` with
// the extra args (dir "" is a new t.TempDir()), its standard error going
// to stderr (nil: kept in memory and logged when the test failed). It
// waits at most 30s until the sandbox printed every API and fails the
// test if it exits or stays silent. t.Cleanup stops it with SIGTERM, then
// SIGKILL after 10s, which fails the test: a sandbox that ignores SIGTERM
// is a bug.
func StartSandboxIn(t *testing.T, dir string, stderr io.Writer, args ...string) *Sandbox {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cmd := exec.Command(Binary(), append([]string{"sandbox", "--addr", "127.0.0.1:0", "--dir", dir}, args...)...)
	p := startProc(t, cmd, nil, stderr)
	// Registered after startProc's kill, so this stop runs first.
	t.Cleanup(func() {
		if err := p.Stop(syscall.SIGTERM, stopGrace); errors.Is(err, ErrKilled) {
			t.Errorf("sandbox: %v", err)
		}
		if t.Failed() && p.Stderr() != "" {
			t.Logf("sandbox stderr:\n%s", p.Stderr())
		}
	})
	deadline := time.After(readyTimeout)
	for strings.Count(p.Stdout(), "add it:") < sandboxAPIs {
		select {
		case <-p.Done():
			t.Fatalf("sandbox exited early (%v): %s%s", p.Err(), p.Stdout(), p.Stderr())
		case <-deadline:
			t.Fatalf("sandbox did not print its APIs within %s: %s", readyTimeout, p.Stdout())
		case <-time.After(20 * time.Millisecond):
		}
	}
	out := p.Stdout()
	s := &Sandbox{t: t, proc: p}
	m := listenRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("sandbox printed no loopback address: %s", out)
	}
	s.Base = m[1]
	if m := companyRE.FindStringSubmatch(out); m != nil {
		s.CompanyID = m[1]
	}
	tr := &http.Transport{}
	if m := pinRE.FindStringSubmatch(out); m != nil {
		s.Pin = m[1]
		tr.TLSClientConfig = pinnedTLS(s.Pin)
	}
	s.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	return s
}

// pinnedTLS trusts exactly the certificate with this SHA-256, as a pinned
// Ferry target does.
func pinnedTLS(pin string) *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, // the pin below is the verification
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("verify sandbox certificate: none presented")
			}
			sum := sha256.Sum256(raw[0])
			if hex.EncodeToString(sum[:]) != pin {
				return errors.New("verify sandbox certificate: does not match the printed fingerprint")
			}
			return nil
		},
	}
}

// Output is everything the sandbox printed on standard output so far.
func (s *Sandbox) Output() string { return s.proc.Stdout() }

// Client is the HTTP client for the sandbox, trusting only its pinned
// certificate under --tls.
func (s *Sandbox) Client() *http.Client { return s.client }

// GetJSON decodes GET Base+path into v. It returns an error for a
// transport failure, any status but 200 (quoting the body) or bad JSON.
func (s *Sandbox) GetJSON(path string, v any) error {
	resp, err := s.client.Get(s.Base + path)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJSON))
	if err != nil {
		return fmt.Errorf("get %s: read: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: HTTP %d: %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("get %s: decode: %w", path, err)
	}
	return nil
}

// Tree is GET /_sandbox/tree: the stored nodes of api, or of every API
// when api is "".
func (s *Sandbox) Tree(api string) ([]sandbox.Entry, error) {
	path := "/_sandbox/tree"
	if api != "" {
		path += "?api=" + url.QueryEscape(api)
	}
	var out []sandbox.Entry
	return out, s.GetJSON(path, &out)
}

// Log is GET /_sandbox/log, the request log (itself one more entry for
// the next call).
func (s *Sandbox) Log() ([]sandbox.LogEntry, error) {
	var out []sandbox.LogEntry
	return out, s.GetJSON("/_sandbox/log", &out)
}

// Stats is GET /_sandbox/stats.
func (s *Sandbox) Stats() (sandbox.Stats, error) {
	var out sandbox.Stats
	return out, s.GetJSON("/_sandbox/stats", &out)
}

// Credential returns the value of the first credential of api with kind
// and name ("" matches any name), or an error when there is none.
func (s *Sandbox) Credential(api, kind, name string) (string, error) {
	var creds []sandbox.Credential
	if err := s.GetJSON("/_sandbox/credentials", &creds); err != nil {
		return "", err
	}
	for _, c := range creds {
		if c.API == api && c.Kind == kind && (name == "" || c.Name == name) {
			return c.Value, nil
		}
	}
	return "", fmt.Errorf("credential %s/%s/%q: the sandbox has none", api, kind, name)
}

// Control calls POST /_sandbox/control/NAME and returns an error unless
// it answers 204.
func (s *Sandbox) Control(name string) error {
	resp, err := s.client.Post(s.Base+"/_sandbox/control/"+name, "", nil)
	if err != nil {
		return fmt.Errorf("control %s: %w", name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("control %s: read: %w", name, err)
	}
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("control %s: HTTP %d: %s", name, resp.StatusCode, body)
	}
	return nil
}

// MustTree is Tree that fails the test on error.
func (s *Sandbox) MustTree(api string) []sandbox.Entry {
	s.t.Helper()
	v, err := s.Tree(api)
	s.fatalIf(err)
	return v
}

// MustLog is Log that fails the test on error.
func (s *Sandbox) MustLog() []sandbox.LogEntry {
	s.t.Helper()
	v, err := s.Log()
	s.fatalIf(err)
	return v
}

// MustStats is Stats that fails the test on error.
func (s *Sandbox) MustStats() sandbox.Stats {
	s.t.Helper()
	v, err := s.Stats()
	s.fatalIf(err)
	return v
}

// MustCredential is Credential that fails the test on error.
func (s *Sandbox) MustCredential(api, kind, name string) string {
	s.t.Helper()
	v, err := s.Credential(api, kind, name)
	s.fatalIf(err)
	return v
}

func (s *Sandbox) fatalIf(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
}

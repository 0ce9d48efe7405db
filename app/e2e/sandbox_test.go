package e2e

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
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
	t      *testing.T
	base   string // scheme://127.0.0.1:port
	pin    string // certificate SHA-256 with --tls, else ""
	client *http.Client
	out    *syncBuffer
}

var (
	listenRE = regexp.MustCompile(`listening on (https?://\S+)`)
	pinRE    = regexp.MustCompile(`TLS certificate SHA-256: ([0-9a-f]{64})`)
)

// startSandbox runs `ferry sandbox` on a free loopback port with a temporary
// folder and the extra flags, waits (at most 30s) until it printed every
// API, and stops it in t.Cleanup (SIGTERM, then SIGKILL after 10s).
func startSandbox(t *testing.T, extra ...string) *sandboxProc {
	t.Helper()
	args := append([]string{"sandbox", "--addr", "127.0.0.1:0", "--dir", t.TempDir()}, extra...)
	cmd := exec.Command(ferryBin, args...)
	out, errOut := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() && errOut.String() != "" {
			t.Logf("sandbox stderr:\n%s", errOut.String())
		}
	})
	deadline := time.After(30 * time.Second)
	for strings.Count(out.String(), "add it:") < 4 {
		select {
		case err := <-exited:
			t.Fatalf("sandbox exited early (%v): %s%s", err, out.String(), errOut.String())
		case <-deadline:
			t.Fatalf("sandbox did not print its APIs within 30s: %s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	s := &sandboxProc{t: t, out: out}
	m := listenRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("sandbox printed no address: %s", out.String())
	}
	s.base = m[1]
	tr := &http.Transport{}
	if m := pinRE.FindStringSubmatch(out.String()); m != nil {
		s.pin = m[1]
		// Trust exactly the printed certificate, as a pinned target does.
		tr.TLSClientConfig = &tls.Config{
			InsecureSkipVerify: true, // the pin below is the verification
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return errors.New("no certificate")
				}
				sum := sha256.Sum256(raw[0])
				if hex.EncodeToString(sum[:]) != s.pin {
					return errors.New("certificate does not match the printed fingerprint")
				}
				return nil
			},
		}
	}
	s.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	return s
}

// getJSON decodes GET base+path into v.
func (s *sandboxProc) getJSON(path string, v any) {
	s.t.Helper()
	resp, err := s.client.Get(s.base + path)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("GET %s: read: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("GET %s: HTTP %d: %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		s.t.Fatalf("GET %s: decode: %v", path, err)
	}
}

// tree is GET /_sandbox/tree?api=NAME.
func (s *sandboxProc) tree(api string) []sandbox.Entry {
	var out []sandbox.Entry
	s.getJSON("/_sandbox/tree?api="+api, &out)
	return out
}

// requests is GET /_sandbox/log.
func (s *sandboxProc) requests() []sandbox.LogEntry {
	var out []sandbox.LogEntry
	s.getJSON("/_sandbox/log", &out)
	return out
}

// stats is GET /_sandbox/stats.
func (s *sandboxProc) stats() sandbox.Stats {
	var out sandbox.Stats
	s.getJSON("/_sandbox/stats", &out)
	return out
}

// credential returns the value of the credential of api with kind and
// name (any name when name is "").
func (s *sandboxProc) credential(api, kind, name string) string {
	s.t.Helper()
	var creds []sandbox.Credential
	s.getJSON("/_sandbox/credentials", &creds)
	for _, c := range creds {
		if c.API == api && c.Kind == kind && (name == "" || c.Name == name) {
			return c.Value
		}
	}
	s.t.Fatalf("sandbox has no %s credential %s/%s", api, kind, name)
	return ""
}

// control calls POST /_sandbox/control/NAME and fails the test unless it
// answers 204. It is safe to call from any goroutine: it reports errors
// instead of calling Fatal.
func (s *sandboxProc) control(name string) error {
	resp, err := s.client.Post(s.base+"/_sandbox/control/"+name, "", nil)
	if err != nil {
		return fmt.Errorf("control %s: %w", name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("control %s: HTTP %d: %s", name, resp.StatusCode, body)
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

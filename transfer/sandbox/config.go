package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"regexp"
	"time"
)

// Config configures a Server. The zero value (plus APIs) is a plain HTTP
// server on a random loopback port with a temporary directory.
type Config struct {
	// Dir holds the blobs and temporary files. Empty means a new temporary
	// directory, removed by Close. A given Dir is kept, but its blobs and
	// tmp subfolders are emptied on start (the tree is not persisted).
	Dir string
	// Addr is the listen address, default "127.0.0.1:0" (a free port). It
	// must be a loopback address unless AllowNonLoopback is set: the
	// sandbox accepts any upload and its credentials are printed in clear.
	Addr             string
	AllowNonLoopback bool
	// TLS serves HTTPS with a self-signed certificate generated for this
	// run; clients pin CertFingerprint.
	TLS bool
	// Faults are injected into API requests; Seed (when non-zero) seeds
	// their generator instead of Faults.Seed.
	Faults FaultProfile
	Seed   int64
	// Strict is the default of every check stricter than the real service
	// (Switches.All); Switches sets named checks explicitly.
	Strict   bool
	Switches map[string]bool
	// APIs are the services to serve, mounted in order.
	APIs []API
	// Now replaces the clock (tests); default time.Now.
	Now func() time.Time
	// LogSize bounds the request log (default 2000 entries).
	LogSize int
	// ErrorLog receives the HTTP server's own errors (handler panics,
	// broken connections). Nil means standard error, without the TLS
	// handshake failures that clients refusing the self-signed
	// certificate cause by design.
	ErrorLog *log.Logger
}

var apiName = regexp.MustCompile(`^[a-z0-9]+$`)

// validate checks the configuration and fills in defaults.
func (c *Config) validate() error {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if err := c.Faults.Validate(); err != nil {
		return fmt.Errorf("sandbox config: %w", err)
	}
	if !c.AllowNonLoopback {
		if err := checkLoopback(c.Addr); err != nil {
			return fmt.Errorf("sandbox config: %w", err)
		}
	}
	seen := map[string]bool{}
	for _, a := range c.APIs {
		if a == nil {
			return errors.New("sandbox config: nil API")
		}
		n := a.Name()
		if !apiName.MatchString(n) || seen[n] {
			return fmt.Errorf("sandbox config: API name %q is invalid or used twice", n)
		}
		seen[n] = true
	}
	return nil
}

// checkLoopback accepts "127.0.0.1:P", "[::1]:P" and "localhost:P".
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("listen address %q is not loopback; the sandbox accepts anything, so it only listens on 127.0.0.1, ::1 or localhost unless forced", addr)
}

// quietTLS drops the server's "TLS handshake error" lines.
type quietTLS struct{ w io.Writer }

func (q quietTLS) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("TLS handshake error")) {
		return len(p), nil
	}
	return q.w.Write(p)
}

func defaultErrorLog() *log.Logger { return log.New(quietTLS{os.Stderr}, "sandbox: ", log.LstdFlags) }

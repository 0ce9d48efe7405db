package sandbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is one sandbox: an HTTP(S) server on loopback speaking the
// configured APIs over a shared Store, with fault injection and the
// /_sandbox/ inspection routes.
type Server struct {
	cfg     Config
	store   *Store
	env     *Env
	mounts  []mount
	inspect *http.ServeMux
	faults  *faults
	stats   *stats
	log     *reqLog
	cert    *tls.Certificate // nil without TLS
	tmpDir  string           // removed by Close when Config.Dir was empty
	creds   []Credential

	mu      sync.Mutex // guards the fields below
	ln      net.Listener
	http    *http.Server
	baseURL string
	served  chan struct{} // closed when http.Serve returned
	closed  bool

	inflight atomic.Int64 // requests being handled (ServeHTTP)
}

// closeWait bounds how long Close waits for requests still being handled
// (a handler whose connection was closed ends at its next read or write).
const closeWait = 10 * time.Second

type mount struct {
	api API
	mux *http.ServeMux
}

// New builds a server from cfg: it validates the configuration, opens the
// store, generates the certificate when TLS is on and mounts every API. It
// does not listen yet (see Start). Errors name the faulty setting.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = defaultErrorLog()
	}
	s := &Server{cfg: cfg, stats: newStats(), log: newReqLog(cfg.LogSize)}
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "ferry-sandbox-*")
		if err != nil {
			return nil, fmt.Errorf("new sandbox: %w", err)
		}
		dir, s.tmpDir = d, d
	}
	store, err := NewStore(dir, cfg.Now)
	if err != nil {
		s.removeTemp()
		return nil, fmt.Errorf("new sandbox: %w", err)
	}
	s.store = store
	if cfg.TLS {
		c, err := selfSigned(cfg.Now())
		if err != nil {
			s.removeTemp()
			return nil, fmt.Errorf("new sandbox: %w", err)
		}
		s.cert = &c
	}
	s.faults = newFaults(cfg.Faults, cfg.Seed, s.stats)
	s.env = &Env{
		Store:    store,
		Switches: Switches{All: cfg.Strict, Named: cfg.Switches},
		Now:      cfg.Now,
		srv:      s,
	}
	for _, a := range cfg.APIs {
		m := mount{api: a, mux: http.NewServeMux()}
		a.Mount(m.mux, s.env)
		s.mounts = append(s.mounts, m)
	}
	for _, m := range s.mounts {
		for _, c := range m.api.Credentials() {
			c.API = m.api.Name()
			s.creds = append(s.creds, c)
			s.log.addSecret(c.Value)
		}
	}
	s.inspect = s.inspectMux()
	return s, nil
}

// Start listens on Config.Addr and serves in the background. It returns
// once the listener is open, so BaseURL is valid afterwards. Calling it
// twice is an error.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("start sandbox: server closed")
	}
	if s.ln != nil {
		return errors.New("start sandbox: already started")
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("start sandbox: %w", err)
	}
	scheme := "http"
	if s.cert != nil {
		// HTTP/1.1 only: resets mid-body need a hijackable connection, and
		// the real services' upload endpoints are used over HTTP/1.1.
		ln = tls.NewListener(ln, &tls.Config{
			Certificates: []tls.Certificate{*s.cert},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"http/1.1"},
		})
		scheme = "https"
	}
	s.ln = ln
	s.baseURL = scheme + "://" + ln.Addr().String()
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          s.cfg.ErrorLog,
	}
	s.served = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		// Serve returns ErrServerClosed after Close; any other error means
		// the listener broke, which Close reports nothing about either:
		// the request log shows the requests stopped.
		_ = srv.Serve(ln)
	}(s.http, s.served)
	return nil
}

// Serve starts the server if needed and blocks until ctx is done, then
// closes it. It returns nil after a cancelled context, or the error of
// Start or Close.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	started := s.ln != nil
	s.mu.Unlock()
	if !started {
		if err := s.Start(); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return s.Close()
}

// Close stops the server, cutting open connections, waits (up to
// closeWait) for the requests still being handled to end, and removes the
// temporary directory if New created one. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	srv, done := s.http, s.served
	s.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Close()
		<-done
		// http.Server.Close does not wait for handlers: one still writing
		// a temporary file would race the removal of the folders below.
		for deadline := time.Now().Add(closeWait); s.inflight.Load() > 0 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if cerr := s.store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if rerr := s.removeTemp(); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("close sandbox: %w", err)
	}
	return nil
}

func (s *Server) removeTemp() error {
	if s.tmpDir == "" {
		return nil
	}
	return os.RemoveAll(s.tmpDir)
}

// BaseURL is "http://127.0.0.1:PORT" (or https), without a trailing
// slash; empty before Start.
func (s *Server) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// CertFingerprint is the hex SHA-256 of the DER certificate, the value
// rest.Options.PinSHA256 takes; empty without TLS.
func (s *Server) CertFingerprint() string {
	if s.cert == nil {
		return ""
	}
	return fingerprint(s.cert.Certificate[0])
}

// CertPEM is the certificate in PEM form (for curl --cacert); nil without
// TLS.
func (s *Server) CertPEM() []byte {
	if s.cert == nil {
		return nil
	}
	return certPEM(s.cert.Certificate[0])
}

// Client returns an HTTP client that trusts exactly this server's
// certificate (a plain client without TLS), for tests and tools.
func (s *Server) Client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if s.cert != nil {
		pool := x509.NewCertPool()
		pool.AddCert(s.cert.Leaf)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}
}

// Store is the shared store (for tests that inspect or seed content).
func (s *Server) Store() *Store { return s.store }

// Env is the environment handed to every API's Mount.
func (s *Server) Env() *Env { return s.env }

// Credentials lists every API's credentials, in API order.
func (s *Server) Credentials() []Credential { return append([]Credential(nil), s.creds...) }

// Tree is the store snapshot of one API ("" for all), as GET /_sandbox/tree.
func (s *Server) Tree(api string) []Entry { return s.store.Snapshot(api) }

// Log returns the recent requests, oldest first, as GET /_sandbox/log.
func (s *Server) Log() []LogEntry { return s.log.all() }

// Stats returns the counters, as GET /_sandbox/stats.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ServeHTTP routes /_sandbox/ to the inspection handlers and everything
// else to the first API with a matching pattern, with faults applied.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Add(-1)
	start := time.Now()
	cw := &countingWriter{w: w}
	body := &countingReader{r: r.Body}
	r.Body = body
	e := LogEntry{Time: s.cfg.Now(), Method: r.Method, Path: s.log.redactURL(r.URL), Header: redactHeader(r.Header)}

	if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		e.API = "_sandbox"
		_, e.Route = s.inspect.Handler(r)
		s.inspect.ServeHTTP(cw, r)
	} else if m, route := s.match(r); m != nil {
		e.API, e.Route = m.api.Name(), route
		e.Fault = s.serveAPI(cw, r, m)
	} else {
		WriteJSON(cw, http.StatusNotFound, map[string]string{
			"message": fmt.Sprintf("sandbox: no API has a route for %s %s", r.Method, r.URL.Path),
		})
	}
	e.Status, e.BytesOut, e.BytesIn, e.Duration = cw.status(), cw.n, body.n.Load(), time.Since(start)
	if e.Fault == "reset" {
		e.Status = 0
	}
	s.log.add(e)
	s.stats.request(e.API, e.Route, e.Status)
}

// match returns the first mount with a pattern for r, and the pattern.
func (s *Server) match(r *http.Request) (*mount, string) {
	for i := range s.mounts {
		if _, p := s.mounts[i].mux.Handler(r); p != "" {
			return &s.mounts[i], p
		}
	}
	return nil, ""
}

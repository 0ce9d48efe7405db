package sandbox

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// serveAPI applies the fault profile to one API request and, unless a
// fault answered it, runs the API's handler. It returns the injected
// fault's name ("" for none).
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, m *mount) string {
	p := s.faults.p
	if p.Latency > 0 && !sleepCtx(r.Context(), p.Latency) {
		return ""
	}
	if p.Bandwidth > 0 {
		r.Body = newThrottled(r.Context(), r.Body, p.Bandwidth)
	}
	f := s.faults.draw()
	switch {
	case f.reset:
		resetMidBody(w, r)
		return "reset"
	case f.status != 0:
		// Read the whole body first, like a buffering proxy in front of the
		// real service: the client sees a clean answer, not a broken pipe.
		_, _ = io.Copy(io.Discard, r.Body) // the answer is the fault whatever the body holds
		if f.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(int((p.RetryAfter+time.Second-1)/time.Second)))
		}
		WriteJSON(w, f.status, map[string]string{"message": fmt.Sprintf("sandbox fault: injected %d", f.status)})
		return strconv.Itoa(f.status)
	}
	m.mux.ServeHTTP(w, r)
	return ""
}

// resetMidBody reads half of the declared body (64 KiB when unknown), then
// takes over the connection and closes it with SO_LINGER 0 so the client
// gets a TCP reset while still sending, the failure a proxy timeout or a
// crashed server produces.
func resetMidBody(w http.ResponseWriter, r *http.Request) {
	half := int64(64 << 10)
	if r.ContentLength >= 0 {
		half = r.ContentLength / 2
	}
	_, _ = io.CopyN(io.Discard, r.Body, half) // the connection is dropped whatever was read
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (cannot happen with the HTTP/1.1 server used
		// here): a 502 is the closest visible equivalent.
		WriteJSON(w, http.StatusBadGateway, map[string]string{"message": "sandbox fault: reset"})
		return
	}
	raw := conn
	if tc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // RST instead of FIN; a FIN would do if this failed
		_ = tcp.Close()      // the close is the fault being injected
		return
	}
	_ = conn.Close() // the close is the fault being injected
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// throttled caps a request body's read rate.
type throttled struct {
	ctx context.Context
	r   io.ReadCloser
	lim *rate.Limiter
}

func newThrottled(ctx context.Context, r io.ReadCloser, bps int64) *throttled {
	burst := int(min(bps, 256<<10))
	return &throttled{ctx: ctx, r: r, lim: rate.NewLimiter(rate.Limit(bps), max(burst, 1))}
}

func (t *throttled) Read(p []byte) (int, error) {
	if len(p) > t.lim.Burst() {
		p = p[:t.lim.Burst()]
	}
	n, err := t.r.Read(p)
	if n > 0 {
		if werr := t.lim.WaitN(t.ctx, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}

func (t *throttled) Close() error { return t.r.Close() }

// countingReader counts request body bytes read by handlers.
type countingReader struct {
	r io.ReadCloser
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// countingWriter records the status and counts response bytes. Unwrap lets
// http.ResponseController reach the real writer (Hijack, Flush).
type countingWriter struct {
	w    http.ResponseWriter
	code int
	n    int64
}

func (c *countingWriter) Header() http.Header { return c.w.Header() }

func (c *countingWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
	c.w.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (c *countingWriter) Flush() { _ = http.NewResponseController(c.w).Flush() }

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.w }

func (c *countingWriter) status() int {
	if c.code == 0 {
		return http.StatusOK
	}
	return c.code
}

package filesro

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// silentServer accepts connections on loopback and reads each request in
// full; then it answers nothing (trickle 0, mute) or one byte of its
// answer every trickle: of the status line, or (body true) of a 201's body
// after complete headers. It counts the requests read.
type silentServer struct {
	ln       net.Listener
	requests atomic.Int32
}

func newSilentServer(t *testing.T, trickle time.Duration, body ...bool) *silentServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentServer{ln: ln}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					s.requests.Add(1)
					if trickle == 0 {
						<-done // mute: hold the connection, never answer
						return
					}
					answer := "HTTP/1.1 201 Created\r\n"
					if len(body) > 0 && body[0] {
						if _, err := c.Write([]byte("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n")); err != nil {
							return
						}
						answer = `{"data":{"id":"x","type":"file","attributes":{"name":"f.bin"`
					}
					for _, b := range []byte(answer) {
						select {
						case <-done:
							return
						case <-time.After(trickle):
						}
						if _, err := c.Write([]byte{b}); err != nil {
							return
						}
					}
					<-done
					return
				}
			}()
		}
	}()
	return s
}

// engineAttempt drives one job attempt the way the engine does: each
// request tried up to tries times while retryable, a session gone (or too
// large) restarts the file under a new session, at most maxRestarts times;
// any other error ends the attempt. It returns the attempt's error and
// how many restarts were flagged as maybe storing a second copy; tooLarge
// counts the ErrTooLarge answers (each a chunk size step-down in the
// engine).
func engineAttempt(c context.Context, p provider.Provider, u provider.Upload, data []byte) (err error, warned int) {
	err, warned, _ = engineAttemptCounting(c, p, u, data)
	return err, warned
}

func engineAttemptCounting(c context.Context, p provider.Provider, u provider.Upload, data []byte) (err error, warned, tooLarge int) {
	const tries, maxRestarts = 4, 8
	for restarts := 0; ; restarts++ {
		err = func() error {
			s, err := p.Begin(c, u)
			if err != nil {
				return err
			}
			for i := range u.Chunks() {
				ch := u.Chunk(i)
				for try := 1; ; try++ {
					err := s.PutChunk(c, ch, io.NewSectionReader(bytes.NewReader(data), ch.Offset, ch.Size))
					if err == nil {
						break
					}
					if kindOf(err) != provider.ErrRetryable || try == tries {
						return err
					}
				}
			}
			_, err = s.Finish(c)
			return err
		}()
		if err == nil {
			return nil, warned, tooLarge
		}
		if errors.Is(err, provider.ErrMaybeStored) && kindOf(err) == provider.ErrSessionGone {
			warned++
		}
		if kindOf(err) == provider.ErrTooLarge {
			tooLarge++
		}
		if k := kindOf(err); (k != provider.ErrSessionGone && k != provider.ErrTooLarge) || restarts == maxRestarts {
			return err, warned, tooLarge
		}
	}
}

// TestNoAnswerEndsTheAttempt (issue #18 item 2): against a server that
// reads the request and never answers, or trickles its answer, one job
// attempt sends the file once, ends with a retryable error saying the file
// may be stored (so the job waits, and the attempt counts), and never
// restarts the file within the attempt. The next attempt sends it once
// more and says it may be stored twice.
func TestNoAnswerEndsTheAttempt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trickle time.Duration
	}{{"mute", 0}, {"trickle", 300 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newSilentServer(t, tc.trickle)
			p, err := New(Config{BaseURL: "http://" + srv.ln.Addr().String(), Token: "ShareTokenABCDEF", Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			data := randomData(1000, 3)
			u := plan([]string{"d"}, "f.bin", data, 4096)
			start := time.Now()
			c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err, warned := engineAttempt(c, p, u, data)
			if kindOf(err) != provider.ErrRetryable || !errors.Is(err, provider.ErrMaybeStored) {
				t.Fatalf("attempt ended with %v (kind %v), want a retryable 'may be stored' error", err, kindOf(err))
			}
			if n := srv.requests.Load(); n != 1 || warned != 0 {
				t.Fatalf("the server got %d requests (%d flagged resends) in one attempt, want 1 and 0", n, warned)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("the attempt took %v", d)
			}
			if tc.name == "mute" {
				// A first chunk that is not the last gets no answer either:
				// the attempt ends too (the server is not answering), and
				// nothing was stored, so nothing is flagged.
				mid := plan([]string{"d"}, "g.bin", data, 256)
				err, warned := engineAttempt(c, p, mid, data)
				if kindOf(err) != provider.ErrRetryable || errors.Is(err, provider.ErrMaybeStored) || warned != 0 || srv.requests.Load() != 2 {
					t.Fatalf("middle chunk: %v (kind %v), %d warnings, %d requests; want a plain retryable error after one more request",
						err, kindOf(err), warned, srv.requests.Load())
				}
			}
			// The next attempt: sent once more, flagged.
			before := srv.requests.Load()
			err, warned = engineAttempt(c, p, u, data)
			if sent := srv.requests.Load() - before; kindOf(err) != provider.ErrRetryable || warned != 1 || sent != 1 {
				t.Fatalf("second attempt: %v, %d warnings, %d requests; want retryable, 1, 1", err, warned, sent)
			}
		})
	}
}

// TestRandomResetsKeepTheChunkSize (issue #18 item 6): a connection cut now
// and then, at different chunks, is retried at the same size; the upload
// completes without ErrTooLarge.
func TestRandomResetsKeepTheChunkSize(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{})
	var n atomic.Int32
	// Requests 1, 4 and 8 are cut while their body arrives: chunks 0, 2
	// and 3 of successive sessions, never one chunk twice in a row.
	proxy := resettingProxy(t, tb.srv.BaseURL(), func() bool {
		switch n.Add(1) {
		case 1, 4, 8:
			return true
		}
		return false
	})
	p := tb.provider("editor", func(c *Config) { c.BaseURL = proxy })
	data := randomData(5*MinChunkSize, 9)
	u := plan(nil, "flaky.bin", data, MinChunkSize)
	err, _, tooLarge := engineAttemptCounting(ctx(t), p, u, data)
	if err != nil || tooLarge != 0 {
		t.Fatalf("upload over a flaky connection: %v (kind %v), %d size step-downs; want success and none", err, kindOf(err), tooLarge)
	}
	if e, ok := tb.stored("/editor/flaky.bin"); !ok || e.SHA256 != hexSHA(data) {
		t.Fatalf("stored %+v", e)
	}
}

// resettingProxy forwards requests to backend on loopback; when cut says
// so it reads part of the request body and resets the connection instead.
func resettingProxy(t *testing.T, backend string, cut func() bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					if cut() {
						_, _ = io.CopyN(io.Discard, req.Body, 1024)
						if tc, ok := c.(*net.TCPConn); ok {
							_ = tc.SetLinger(0) // close with RST
						}
						return
					}
					req.RequestURI = ""
					req.URL.Scheme, req.URL.Host = "http", backend[len("http://"):]
					resp, err := tr.RoundTrip(req)
					if err != nil {
						return
					}
					err = resp.Write(c)
					resp.Body.Close()
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

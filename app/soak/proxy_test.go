package soak

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// proxy sits between ferry watch and the sandbox (plain TCP, loopback) and
// sees each upload's own progress: the bytes of a request body going up
// before any byte of the answer comes down. That is how the soak times its
// kills on uploads in flight (a kill fired by the forwarder while it holds
// part of a body always cuts a request mid-body), measures whether a kill
// interrupted a request body, and plays a mute server (answers never come)
// and a trickling one (an answer byte at a time, seconds apart).
type proxy struct {
	ln     net.Listener
	target string

	mode atomic.Int32 // proxyPass, proxyMute or proxyTrickle
	// trigger: when > 0, the first request body reaching this many bytes
	// fires: the forwarder calls fire (which kills ferry watch) before it
	// forwards the bytes that crossed the mark, and cuts the connection to
	// the sandbox, so the request ends mid-body whatever ferry had already
	// handed to its socket.
	trigger atomic.Int64
	fire    atomic.Pointer[func()]

	mu    sync.Mutex // guards conns
	conns map[*pconn]struct{}
	wg    sync.WaitGroup
}

const (
	proxyPass int32 = iota
	proxyMute
	proxyTrickle
)

// pconn is one proxied connection; body counts request bytes sent up
// since the last answer byte came down.
type pconn struct {
	client, server net.Conn
	body           atomic.Int64
	dead           atomic.Bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[*pconn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// base is the proxy's URL for a target (the sandbox's base with the
// proxy's host and port).
func (p *proxy) base(sandboxBase string) string {
	scheme, _, _ := strings.Cut(sandboxBase, "://")
	return scheme + "://" + p.ln.Addr().String()
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		pc := &pconn{client: c, server: s}
		p.mu.Lock()
		p.conns[pc] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.up(pc)
		go p.down(pc)
	}
}

// up forwards request bytes, firing the trigger mid-body.
func (p *proxy) up(pc *pconn) {
	defer p.wg.Done()
	defer p.drop(pc)
	buf := make([]byte, 4<<10) // small reads: the trigger fires close to its mark
	for {
		n, err := pc.client.Read(buf)
		if n > 0 {
			total := pc.body.Add(int64(n))
			if tr := p.trigger.Load(); tr > 0 && total >= tr && p.trigger.CompareAndSwap(tr, 0) {
				if f := p.fire.Load(); f != nil {
					(*f)()
				}
				return // drop cuts the request mid-body
			}
			if _, werr := pc.server.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// down forwards answers as the mode says.
func (p *proxy) down(pc *pconn) {
	defer p.wg.Done()
	defer p.drop(pc)
	buf := make([]byte, 32<<10)
	for {
		n, err := pc.server.Read(buf)
		if n > 0 {
			pc.body.Store(0)
			for off := 0; off < n; {
				switch p.mode.Load() {
				case proxyMute:
					// Hold the answer back until the mode changes or the
					// connection dies (the client gave up or was killed).
					if !p.waitMode(pc, proxyMute) {
						return
					}
					continue
				case proxyTrickle:
					if _, werr := pc.client.Write(buf[off : off+1]); werr != nil {
						return
					}
					off++
					if !p.waitMode(pc, -1) {
						return
					}
					continue
				}
				if _, werr := pc.client.Write(buf[off:n]); werr != nil {
					return
				}
				off = n
			}
		}
		if err != nil {
			return
		}
	}
}

// waitMode sleeps a trickle step (while == -1) or until the mode is no
// longer while; false when the client connection is gone meanwhile.
func (p *proxy) waitMode(pc *pconn, while int32) bool {
	deadline := time.Now().Add(2 * time.Second)
	for {
		if while >= 0 && p.mode.Load() != while {
			return true
		}
		if while < 0 && !time.Now().Before(deadline) {
			return true
		}
		if pc.dead.Load() {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proxy) drop(pc *pconn) {
	pc.dead.Store(true)
	pc.client.Close()
	pc.server.Close()
	p.mu.Lock()
	delete(p.conns, pc)
	p.mu.Unlock()
}

// midBody reports whether some connection is sending a request body of
// at least min bytes that has no answer yet.
func (p *proxy) midBody(min int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pc := range p.conns {
		if pc.body.Load() >= min {
			return true
		}
	}
	return false
}

// arm makes the next request body that reaches n bytes call fire (once).
func (p *proxy) arm(n int64, fire func()) {
	p.fire.Store(&fire)
	p.trigger.Store(n)
}

// disarm cancels an armed trigger; it reports whether it had fired.
func (p *proxy) disarm() (fired bool) { return p.trigger.Swap(0) == 0 }

func (p *proxy) close() {
	p.disarm()
	_ = p.ln.Close()
	p.mu.Lock()
	for pc := range p.conns {
		pc.client.Close()
		pc.server.Close()
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// The hand-off is how a second Ferry talks to the one already running (one
// instance per user: the queue's lock makes the second fail fast, and this
// lets it pass its request on instead). The running desktop app serves an
// endpoint of its own platform; a client sends one JSON line and reads one
// JSON line back:
//
//	{"op":"show"}                                   raise the main window
//	{"op":"drop","paths":["/abs/a"]}               ask as for a real drop
//	{"op":"upload","paths":[...],"target":"t","to":"dir","conflict":"","force":false}
//	                                                queue directly, reply with counts
//	{"op":"quit"}                                   quit the app
//
// The endpoint (handoff_unix.go, handoff_windows.go) is a unix domain socket
// of mode 0600 in the data dir on Linux, macOS and the BSDs, and a named
// pipe whose name is derived from the data dir on Windows, where AF_UNIX is
// missing (Wine) or refuses with WSAECONNREFUSED, an error Go does not map
// to ECONNREFUSED (golang/go#45621); its security descriptor admits only
// the user who created it.
//
// A hand-off that fails never stops the app from starting: an endpoint
// that does not exist or is stale means nobody runs; any other failure is
// a warning, and the app runs alone (classifyDial in handoff_decide.go
// decides, per platform). Two instances still never upload at once: the
// queue's lock refuses the second.

// handoffMaxRequest caps one request line (paths of a large selection).
const handoffMaxRequest = 4 << 20

// handoffTimeout bounds one exchange on either side; queueing a large
// folder happens before the reply, so it is generous.
const handoffTimeout = 60 * time.Second

// handoffProbeTimeout bounds the dial that tells a live endpoint from a
// stale one before listening.
const handoffProbeTimeout = time.Second

// Hand-off operations.
const (
	handoffShow   = "show"
	handoffDrop   = "drop"
	handoffUpload = "upload"
	handoffQuit   = "quit"
	handoffJobs   = "jobs" // the state of queued jobs (upload_follow.go)
)

type handoffRequest struct {
	Op       string   `json:"op"`
	Paths    []string `json:"paths,omitempty"`
	Target   string   `json:"target,omitempty"`
	To       string   `json:"to,omitempty"`
	Conflict string   `json:"conflict,omitempty"`
	Force    bool     `json:"force,omitempty"`
	// For "jobs": the jobs asked about.
	IDs []uint64 `json:"ids,omitempty"`
}

type handoffReply struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// For "upload": what the running instance did with the files.
	Target    string   `json:"target,omitempty"`
	Queued    int      `json:"queued,omitempty"`
	Unchanged int      `json:"unchanged,omitempty"`
	Skipped   []string `json:"skipped,omitempty"`
	// For "upload": the queued jobs, so `ferry upload` can follow them.
	IDs []uint64 `json:"ids,omitempty"`
	// For "jobs": their states.
	Jobs []followedJob `json:"jobs,omitempty"`
}

// handoffHandler answers one request. It runs on the connection's
// goroutine; a non-nil error becomes the reply's Error.
type handoffHandler func(ctx context.Context, req handoffRequest) (handoffReply, error)

// errNoInstance means no running Ferry serves the hand-off endpoint (none
// exists, or a stale one was removed).
var errNoInstance = errors.New("no running Ferry to hand over to")

// errInstanceRunning means another process already serves the endpoint.
var errInstanceRunning = errors.New("another Ferry already serves the hand-off endpoint")

// errHandoffUnusable is wrapped when the endpoint can be neither used nor
// cleared (no AF_UNIX, a busy or foreign pipe, a path too long for a
// socket, something else in the socket's place): whether another Ferry
// runs is unknown, so the caller warns and goes on alone.
var errHandoffUnusable = errors.New("the hand-off endpoint cannot be used")

// handoffServer serves the hand-off endpoint until Close.
type handoffServer struct {
	ln     net.Listener
	path   string
	handle handoffHandler
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// listenHandoff creates the endpoint path (handoffSocket) and serves handle
// on it, one goroutine per connection. A stale endpoint left by a process
// that died is cleared first; one with a live listener fails with
// errInstanceRunning.
func listenHandoff(path string, handle handoffHandler) (*handoffServer, error) {
	ln, err := listenEndpoint(path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &handoffServer{ln: ln, path: path, handle: handle, ctx: ctx, cancel: cancel}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func (s *handoffServer) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return // closed by Close
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(conn)
		}()
	}
}

func (s *handoffServer) serve(conn net.Conn) {
	defer conn.Close()
	// A deadline keeps a client that never writes from holding a goroutine.
	if err := conn.SetDeadline(time.Now().Add(handoffTimeout)); err != nil {
		return
	}
	var reply handoffReply
	req, err := readHandoffLine[handoffRequest](conn)
	if err == nil {
		reply, err = s.handle(s.ctx, req)
	}
	if err != nil {
		reply = handoffReply{Error: err.Error()}
	} else {
		reply.OK = true
	}
	b, err := json.Marshal(reply)
	if err != nil {
		return
	}
	// The client may have gone away; there is nobody left to tell.
	_, _ = conn.Write(append(b, '\n'))
}

// Close stops accepting, waits for the requests in progress and removes
// the endpoint. Idempotent; a nil server (none could be started) is fine.
func (s *handoffServer) Close() error {
	if s == nil {
		return nil
	}
	s.cancel()
	err := s.ln.Close()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return errors.Join(err, removeEndpoint(s.path))
}

// sendHandoff sends req to the instance serving path and returns its reply.
// It fails with errNoInstance when no endpoint exists or nothing listens on
// it (a stale one is cleared), with errHandoffUnusable when it can be
// neither used nor cleared, and with the running instance's error text when
// it refused the request.
func sendHandoff(ctx context.Context, path string, req handoffRequest) (handoffReply, error) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := dialEndpoint(dctx, path)
	if err != nil {
		switch classifyDial(runtime.GOOS, err) {
		case dialNobody:
			return handoffReply{}, errNoInstance
		case dialStale:
			switch err := clearStaleEndpoint(path); {
			case err == nil:
				return handoffReply{}, errNoInstance
			case errors.Is(err, errInstanceRunning):
				// It came up meanwhile; the caller may try again.
				return handoffReply{}, fmt.Errorf("hand-off to the running Ferry: %w", err)
			default:
				return handoffReply{}, fmt.Errorf("%w: %w", errHandoffUnusable, err)
			}
		}
		return handoffReply{}, fmt.Errorf("%w: %s: %w", errHandoffUnusable, path, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(handoffTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return handoffReply{}, fmt.Errorf("hand-off to the running Ferry: %w", err)
	}
	b, err := json.Marshal(req)
	if err != nil {
		return handoffReply{}, fmt.Errorf("hand-off to the running Ferry: %w", err)
	}
	if _, err := conn.Write(append(b, '\n')); err != nil {
		return handoffReply{}, fmt.Errorf("hand-off to the running Ferry: %w", err)
	}
	reply, err := readHandoffLine[handoffReply](conn)
	if err != nil {
		return handoffReply{}, fmt.Errorf("hand-off to the running Ferry: %w", err)
	}
	if !reply.OK {
		return reply, fmt.Errorf("the running Ferry: %s", reply.Error)
	}
	return reply, nil
}

// raiseRunningApp asks a running Ferry at endpoint to show its window and
// reports whether one did (this process then has nothing to do). When the
// hand-off fails in any way other than "no Ferry runs", it prints a warning
// and returns the failure as warning, for the log: the app starts alone
// all the same (if another instance does hold the queue, its lock refuses
// this one with a message saying so).
func (c *cli) raiseRunningApp(ctx context.Context, endpoint string) (raised bool, warning error) {
	_, err := sendHandoff(ctx, endpoint, handoffRequest{Op: handoffShow})
	switch {
	case err == nil:
		fmt.Fprintln(c.Err, "Ferry is already running: its window is in front now")
		return true, nil
	case errors.Is(err, errNoInstance):
		return false, nil
	}
	fmt.Fprintf(c.Err, "ferry: warning: %v; starting without handing over to a running Ferry\n", err)
	return false, err
}

// serveHandoff serves handle at endpoint for the desktop app. When that
// fails the app runs on without it (a second `ferry` then cannot raise this
// one): the failure goes to warn, and the nil server returned has a Close
// that does nothing.
func serveHandoff(endpoint string, handle handoffHandler, warn func(msg string, args ...any)) *handoffServer {
	srv, err := listenHandoff(endpoint, handle)
	if err != nil {
		warn("gui: hand-off unavailable; running without it", "endpoint", endpoint, "err", err)
		return nil
	}
	return srv
}

// readHandoffLine reads one JSON line of at most handoffMaxRequest bytes.
func readHandoffLine[T any](r io.Reader) (T, error) {
	var v T
	br := bufio.NewReader(io.LimitReader(r, handoffMaxRequest+1))
	line, err := br.ReadBytes('\n')
	switch {
	case len(line) > handoffMaxRequest:
		return v, fmt.Errorf("read hand-off message: longer than %d bytes", handoffMaxRequest)
	case err != nil && !(errors.Is(err, io.EOF) && len(line) > 0):
		return v, fmt.Errorf("read hand-off message: %w", err)
	}
	if err := json.Unmarshal(line, &v); err != nil {
		return v, fmt.Errorf("read hand-off message: %w", err)
	}
	return v, nil
}

// absPaths makes paths absolute for a process with another working dir.
func absPaths(paths []string) ([]string, error) {
	out := make([]string, len(paths))
	for i, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("hand-off %s: %w", p, err)
		}
		out[i] = abs
	}
	return out, nil
}

// handOffUpload passes a `ferry upload` to the running desktop app when
// the queue is busy: the app queues the files and uploads them, and this
// process prints what it handed over and exits 0 without waiting for the
// uploads (the app's window and notifications show the outcome). When no
// app serves the socket (`ferry watch` or another `ferry upload` holds the
// queue) it returns busy unchanged.
func (c *cli) handOffUpload(ctx context.Context, busy error, req handoffRequest) error {
	r, _, err := c.sendUpload(ctx, busy, req)
	if err != nil || r.Queued == 0 {
		return err
	}
	fmt.Fprintf(c.Out, "handed %d file(s) for %s to the running Ferry, which uploads them now\n", r.Queued, r.Target)
	return nil
}

// sendUpload hands req to the running instance and prints what it skipped
// ("nothing to upload" when it queued nothing); it returns the reply and
// the socket it used. busy comes back unchanged when no instance serves
// the socket.
func (c *cli) sendUpload(ctx context.Context, busy error, req handoffRequest) (handoffReply, string, error) {
	p, err := c.paths()
	if err != nil {
		return handoffReply{}, "", err
	}
	if req.Paths, err = absPaths(req.Paths); err != nil {
		return handoffReply{}, "", err
	}
	sock := handoffSocket(p.DataDir)
	r, err := sendHandoff(ctx, sock, req)
	if errors.Is(err, errNoInstance) {
		return handoffReply{}, "", busy
	}
	if err != nil {
		return handoffReply{}, "", fmt.Errorf("upload: %w", err)
	}
	for _, s := range r.Skipped {
		fmt.Fprintln(c.Err, "skipped", s)
	}
	if r.Unchanged > 0 {
		fmt.Fprintf(c.Err, "%d file(s) already uploaded in this exact version (use --force to send them again)\n", r.Unchanged)
	}
	if r.Queued == 0 {
		fmt.Fprintln(c.Out, "nothing to upload")
	}
	return r, sock, nil
}

// listenEngineHandoff serves the hand-off socket for a headless instance
// (`ferry watch`), so `ferry upload` hands its files over to it as to the
// desktop app: "upload" queues them on rt's engine, "quit" calls stop.
// "show" and "drop" need a window and are answered with an error saying
// so. The caller closes the server before closing rt.
func listenEngineHandoff(rt *engineRuntime, stop func()) (*handoffServer, error) {
	return listenHandoff(handoffSocket(rt.paths.DataDir), func(_ context.Context, req handoffRequest) (handoffReply, error) {
		switch req.Op {
		case handoffUpload:
			return queueFiles(rt, req)
		case handoffQuit:
			stop()
			return handoffReply{}, nil
		case handoffJobs:
			return jobsReply(rt, req)
		case handoffShow, handoffDrop:
			return handoffReply{}, fmt.Errorf("%s: `ferry watch` runs here, without a window; quit it and start `ferry` for the desktop app", req.Op)
		}
		return handoffReply{}, fmt.Errorf("unknown hand-off request %q", req.Op)
	})
}

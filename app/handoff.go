package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// The hand-off is how a second Ferry talks to the one already running (one
// instance per user: the queue's lock makes the second fail fast, and this
// lets it pass its request on instead). The running desktop app serves a
// unix domain socket in the data dir; a client sends one JSON line and reads
// one JSON line back:
//
//	{"op":"show"}                                   raise the main window
//	{"op":"drop","paths":["/abs/a"]}               ask as for a real drop
//	{"op":"upload","paths":[...],"target":"t","to":"dir","conflict":"","force":false}
//	                                                queue directly, reply with counts
//	{"op":"quit"}                                   quit the app
//
// The socket file is mode 0600 in the data dir, so only the user (and root)
// can connect. Go speaks AF_UNIX on Windows 10 (1803) and later too; there
// the socket's protection is the data dir's ACL (%LocalAppData% is per user)
// since chmod only toggles the read-only bit.

// handoffSocketName is the socket's file name in the data dir.
const handoffSocketName = "ferry.sock"

// handoffMaxRequest caps one request line (paths of a large selection).
const handoffMaxRequest = 4 << 20

// handoffTimeout bounds one exchange on either side; queueing a large
// folder happens before the reply, so it is generous.
const handoffTimeout = 60 * time.Second

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

// errNoInstance means no running Ferry serves the hand-off socket (none
// exists, or a stale one was removed).
var errNoInstance = errors.New("no running Ferry to hand over to")

// errInstanceRunning means another process already serves the socket.
var errInstanceRunning = errors.New("another Ferry already serves the hand-off socket")

func handoffSocket(dataDir string) string { return filepath.Join(dataDir, handoffSocketName) }

// handoffServer serves the hand-off socket until Close.
type handoffServer struct {
	ln     net.Listener
	path   string
	handle handoffHandler
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// listenHandoff creates the socket at path (its directory with mode 0700
// if missing) and serves handle on it, one goroutine per connection. A
// socket left by a process that died is removed first; one with a live
// listener fails with errInstanceRunning.
func listenHandoff(path string, handle handoffHandler) (*handoffServer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		ln.Close()
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &handoffServer{ln: ln, path: path, handle: handle, ctx: ctx, cancel: cancel}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// removeStaleSocket deletes path when nothing listens on it.
func removeStaleSocket(path string) error {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		conn.Close()
		return errInstanceRunning
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("hand-off socket: remove stale %s: %w", path, err)
	}
	return nil
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
// the socket file. Idempotent.
func (s *handoffServer) Close() error {
	s.cancel()
	err := s.ln.Close()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	// The unix listener removes its file on Close; a leftover is harmless.
	if rmErr := os.Remove(s.path); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
		err = errors.Join(err, rmErr)
	}
	return err
}

// sendHandoff sends req to the instance serving path and returns its reply.
// It fails with errNoInstance when no socket exists or nothing listens on
// it (a stale socket is removed), and with the running instance's error
// text when it refused the request.
func sendHandoff(ctx context.Context, path string, req handoffRequest) (handoffReply, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := d.DialContext(dctx, "unix", path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOENT) {
			return handoffReply{}, errNoInstance
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			if err := removeStaleSocket(path); err != nil && !errors.Is(err, errInstanceRunning) {
				return handoffReply{}, err
			}
			return handoffReply{}, errNoInstance
		}
		return handoffReply{}, fmt.Errorf("hand-off to the running Ferry: %w", err)
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
	p, err := c.paths()
	if err != nil {
		return err
	}
	if req.Paths, err = absPaths(req.Paths); err != nil {
		return err
	}
	r, err := sendHandoff(ctx, handoffSocket(p.DataDir), req)
	if errors.Is(err, errNoInstance) {
		return busy
	}
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	for _, s := range r.Skipped {
		fmt.Fprintln(c.Err, "skipped", s)
	}
	if r.Unchanged > 0 {
		fmt.Fprintf(c.Err, "%d file(s) already uploaded in this exact version (use --force to send them again)\n", r.Unchanged)
	}
	if r.Queued == 0 {
		fmt.Fprintln(c.Out, "nothing to upload")
		return nil
	}
	fmt.Fprintf(c.Out, "handed %d file(s) for %s to the running Ferry, which uploads them now\n", r.Queued, r.Target)
	return nil
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

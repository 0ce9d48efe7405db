package ferrytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Errors of Proc.Stop, decided with errors.Is.
var (
	// ErrExited: the process had exited before the signal reached it.
	ErrExited = errors.New("process had already exited")
	// ErrKilled: the process ignored the signal for the grace period and
	// was killed with SIGKILL.
	ErrKilled = errors.New("process did not stop in time and was killed")
)

// Proc is a ferry child process running in the background. Its methods
// may be called from any goroutine except where they take a *testing.T,
// which must be called from the test's own goroutine.
type Proc struct {
	cmd         *exec.Cmd
	out, errOut *buffer // nil where the caller gave its own writer
	done        chan struct{}
	err         error // cmd.Wait's result, valid once done is closed
}

// startProc starts cmd with its output going to stdout and stderr, or to
// in-memory buffers where they are nil, and registers a t.Cleanup that
// kills it (SIGKILL) if it still runs then. It fails the test when the
// process cannot start.
func startProc(t *testing.T, cmd *exec.Cmd, stdout, stderr io.Writer) *Proc {
	t.Helper()
	p := &Proc{cmd: cmd, done: make(chan struct{})}
	if stdout == nil {
		p.out = &buffer{}
		stdout = p.out
	}
	if stderr == nil {
		p.errOut = &buffer{}
		stderr = p.errOut
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Args[0], err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // fails harmlessly once it has exited
		<-p.done
	})
	return p
}

// Stdout is what the process printed on standard output so far, or ""
// when it was started with its own writer.
func (p *Proc) Stdout() string { return p.out.String() }

// Stderr is what the process printed on standard error so far, or ""
// when it was started with its own writer.
func (p *Proc) Stderr() string { return p.errOut.String() }

// Done is closed once the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is the process's exit error (nil for exit 0); valid once Done is
// closed.
func (p *Proc) Err() error {
	<-p.done
	return p.err
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits at most timeout for the process to exit and returns its exit
// error; it fails the test (with the output) on timeout.
func (p *Proc) Wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("ferry did not exit within %s\nstdout:\n%s\nstderr:\n%s", timeout, p.Stdout(), p.Stderr())
		return nil
	}
}

// WaitUntil polls cond every 10ms until it holds, the process exits, or
// timeout passes. It reports whether cond held; cond runs on the caller's
// goroutine.
func (p *Proc) WaitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		select {
		case <-p.done:
			return cond()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// Kill9 sends SIGKILL and waits (at most 10s, else it fails the test) for
// the process to be gone. It reports false, sending nothing, when the
// process had already exited by itself.
func (p *Proc) Kill9(t *testing.T) bool {
	t.Helper()
	if p.Exited() {
		return false
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		if errors.Is(err, os.ErrProcessDone) {
			return false
		}
		t.Fatalf("kill -9 ferry: %v", err)
	}
	_ = p.Wait(t, 10*time.Second) // killed: its exit error says so and nothing more
	return true
}

// Stop asks the process to end with sig and waits at most grace, then
// kills it with SIGKILL. It returns the exit error (nil for exit 0); an
// error wrapping ErrExited (and the exit error) when the process had
// exited before sig; or one wrapping ErrKilled when it needed the SIGKILL.
func (p *Proc) Stop(sig os.Signal, grace time.Duration) error {
	if p.Exited() {
		return p.exitedErr()
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		<-p.done
		return p.exitedErr()
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(grace):
		_ = p.cmd.Process.Kill() // its own exit is the only way this fails
		<-p.done
		return fmt.Errorf("stop %s: %w (no exit within %s of %v)", p.cmd.Args[0], ErrKilled, grace, sig)
	}
}

// exitedErr is Stop's error for a process that exited before the signal;
// done must be closed.
func (p *Proc) exitedErr() error {
	if p.err == nil {
		return fmt.Errorf("stop %s: %w with exit 0", p.cmd.Args[0], ErrExited)
	}
	return fmt.Errorf("stop %s: %w: %w", p.cmd.Args[0], ErrExited, p.err)
}

// buffer is a bytes.Buffer safe for one writer and concurrent readers. A
// nil buffer reads as "".
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	if b == nil {
		return ""
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Kill sends SIGKILL and returns at once, from any goroutine (a test's
// helper goroutine timing the kill on an upload's progress); Kill9 or Wait
// then collects the process.
func (p *Proc) Kill() error { return p.cmd.Process.Signal(syscall.SIGKILL) }

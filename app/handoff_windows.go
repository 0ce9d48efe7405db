//go:build windows

package app

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// The hand-off endpoint on Windows: a named pipe. Pipe names are global to
// the machine, so the name is derived from the data dir (per user, and per
// --data-dir), and the pipe's security descriptor grants access to the
// user who created it and nobody else. A pipe vanishes with the process
// that served it, so there is never a stale one to clear; a pipe that
// stays busy or belongs to someone else is "unusable" (classifyDial).

// handoffSocket is the hand-off endpoint for dataDir: the pipe's name.
func handoffSocket(dataDir string) string { return handoffPipeName(dataDir) }

func dialEndpoint(ctx context.Context, name string) (net.Conn, error) {
	return winio.DialPipeContext(ctx, name)
}

// listenEndpoint creates the pipe. go-winio creates its first instance with
// FILE_FLAG_FIRST_PIPE_INSTANCE, so a second server fails (access denied)
// instead of sharing the name; a dial first tells that case apart.
func listenEndpoint(name string) (net.Listener, error) {
	if err := clearStaleEndpoint(name); err != nil {
		return nil, err
	}
	sddl, err := ownerOnlySDDL()
	if err != nil {
		return nil, fmt.Errorf("hand-off pipe: %w", err)
	}
	ln, err := winio.ListenPipe(name, &winio.PipeConfig{SecurityDescriptor: sddl})
	if err != nil {
		return nil, fmt.Errorf("hand-off pipe %s: %w", name, err)
	}
	primePipe(name)
	return ln, nil
}

// primePipe connects to the new pipe once and hangs up. Where
// ConnectNamedPipe reports a client that connected to go-winio's first
// pipe instance as pending instead of connected (Windows 7 and Server 2008
// R2, microsoft/go-winio#313 and #183; Wine 8), the first client would
// otherwise wait out its whole timeout; the server reads this one as an
// empty request and drops it. Where all is well it costs one accept.
func primePipe(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), handoffProbeTimeout)
	defer cancel()
	if conn, err := winio.DialPipeContext(ctx, name); err == nil {
		conn.Close()
	}
}

// clearStaleEndpoint fails with errInstanceRunning when a server answers
// on the pipe. There is nothing to remove otherwise.
func clearStaleEndpoint(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), handoffProbeTimeout)
	defer cancel()
	conn, err := winio.DialPipeContext(ctx, name)
	if err == nil {
		conn.Close()
		return errInstanceRunning
	}
	return nil
}

// removeEndpoint has nothing to do: the pipe goes with its listener.
func removeEndpoint(string) error { return nil }

// ownerOnlySDDL is a protected DACL granting full access to the current
// user's SID alone.
func ownerOnlySDDL() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("find the current user: %w", err)
	}
	if u.User.Sid == nil {
		return "", errors.New("find the current user: no SID in the process token")
	}
	return "D:P(A;;GA;;;" + u.User.Sid.String() + ")", nil
}

//go:build !windows

package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
)

// The hand-off endpoint on Linux, macOS and the BSDs: a unix domain socket
// of mode 0600 in the data dir, so only the user (and root) can connect.

// handoffSocketName is the socket's file name in the data dir.
const handoffSocketName = "ferry.sock"

// handoffSocket is the hand-off endpoint for dataDir: the socket's path.
func handoffSocket(dataDir string) string { return filepath.Join(dataDir, handoffSocketName) }

func dialEndpoint(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}

// listenEndpoint creates the socket (its directory with mode 0700 if
// missing), clearing a stale one first.
func listenEndpoint(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	if err := clearStaleEndpoint(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	return ln, nil
}

// clearStaleEndpoint deletes the socket at path when nothing listens on it,
// and fails with errInstanceRunning when something does. Only a socket is
// removed: anything else in its place is the user's, and an error.
func clearStaleEndpoint(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("hand-off socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("hand-off socket: %s is a %s, not a socket; remove it, or start Ferry with another --data-dir",
			path, describeFileType(fi.Mode()))
	}
	conn, err := net.DialTimeout("unix", path, handoffProbeTimeout)
	if err == nil {
		conn.Close()
		return errInstanceRunning
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("hand-off socket: remove stale %s: %w", path, err)
	}
	return nil
}

// removeEndpoint removes the socket file after its listener closed (the
// unix listener usually has; a leftover is harmless).
func removeEndpoint(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func describeFileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "folder"
	case m.IsRegular():
		return "regular file"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "special file"
}

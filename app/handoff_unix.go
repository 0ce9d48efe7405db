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
// missing), clearing a stale one first. The socket is bound and listening
// under a name of its own (mode 0600) before it is renamed into place:
// a socket file that existed before it listened would refuse a second
// Ferry's connection, which would take it for a stale one and remove it
// (seen: the app then ran without its hand-off).
func listenEndpoint(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	if err := clearStaleEndpoint(path); err != nil {
		return nil, err
	}
	// No longer than handoffSocketName, so that a data dir whose socket
	// path fits the system's limit fits it here too.
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".s%d", os.Getpid()%10_000_000))
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // its name changes; removeEndpoint removes it
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		_ = os.Remove(tmp)
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
// listener does not: it was bound under another name).
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

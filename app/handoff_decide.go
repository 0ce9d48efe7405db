package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"strings"
	"syscall"
)

// dialOutcome is what a failed dial of the hand-off endpoint means.
type dialOutcome int

const (
	// dialNobody: no endpoint exists, so no Ferry runs; start normally.
	dialNobody dialOutcome = iota
	// dialStale: an endpoint exists but nothing listens on it (left by a
	// crash or a power loss); clear it and start normally.
	dialStale
	// dialUnusable: anything else (no AF_UNIX, a pipe that stays busy or
	// belongs to someone else, a path too long for a socket). Whether
	// another Ferry runs is unknown: warn and start alone; the queue's
	// lock still refuses a second instance.
	dialUnusable
)

func (o dialOutcome) String() string {
	switch o {
	case dialNobody:
		return "nobody"
	case dialStale:
		return "stale"
	}
	return "unusable"
}

// Windows error numbers (winerror.h, winsock2.h). They are spelled out
// rather than taken from golang.org/x/sys/windows so that the Windows
// decision table is compiled and tested on every platform.
const (
	winErrorFileNotFound = 2     // ERROR_FILE_NOT_FOUND: no pipe of that name
	winErrorPathNotFound = 3     // ERROR_PATH_NOT_FOUND
	winErrorAccessDenied = 5     // ERROR_ACCESS_DENIED: a pipe of another user
	winErrorPipeBusy     = 231   // ERROR_PIPE_BUSY: every instance taken
	winWSAEAFNoSupport   = 10047 // WSAEAFNOSUPPORT: no AF_UNIX (Wine, old Windows)
	winWSAEConnRefused   = 10061 // WSAECONNREFUSED: a socket file nobody listens on
)

// classifyDial says what err, returned by dialling the hand-off endpoint on
// the platform goos, means. Only two answers let a caller assume that no
// Ferry runs: the endpoint does not exist, or it exists and refuses the
// connection (stale); everything else is dialUnusable, never fatal.
//
// On Windows a refused AF_UNIX connect is WSAECONNREFUSED (10061), which
// does not match syscall.ECONNREFUSED (golang/go#45621), so the Windows
// branch compares error numbers itself. Ferry dials a named pipe there;
// the AF_UNIX numbers are kept so that a socket file, wherever it comes
// from, is judged the same way as on the other platforms.
func classifyDial(goos string, err error) dialOutcome {
	if err == nil {
		return dialUnusable // not a failure: no caller asks
	}
	if goos == "windows" {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			switch uintptr(errno) {
			case winErrorFileNotFound, winErrorPathNotFound:
				return dialNobody
			case winWSAEConnRefused:
				return dialStale
			}
		}
		// A pipe that stays busy until the dial's deadline has a server
		// that does not accept: unusable, like every other error.
		return dialUnusable
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return dialUnusable
	case errors.Is(err, syscall.ENOENT), errors.Is(err, fs.ErrNotExist):
		return dialNobody
	case errors.Is(err, syscall.ECONNREFUSED):
		return dialStale
	}
	return dialUnusable
}

// handoffPipePrefix starts every Ferry hand-off pipe's name (Windows).
const handoffPipePrefix = `\\.\pipe\ferry-handoff-`

// handoffPipeName is the Windows hand-off endpoint for dataDir: a pipe name
// derived from the data dir, case-folded as Windows paths are, so each user
// (and each --data-dir) has its own. Portable so that it is tested here.
func handoffPipeName(dataDir string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(dataDir)))
	return handoffPipePrefix + hex.EncodeToString(sum[:12])
}

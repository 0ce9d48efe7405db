package app

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestClassifyDialWindows is the Windows decision table: what each error
// of dialling the hand-off endpoint means for the desktop app's start. It
// runs on every platform (the error numbers are Windows', spelled out).
func TestClassifyDialWindows(t *testing.T) {
	pipe := handoffPipeName(`C:\Users\ana\AppData\Local\ferry`)
	pathErr := func(n uintptr) error { return &os.PathError{Op: "open", Path: pipe, Err: syscall.Errno(n)} }
	for _, tc := range []struct {
		name string
		err  error
		want dialOutcome
	}{
		{"no pipe of that name (ERROR_FILE_NOT_FOUND)", pathErr(2), dialNobody},
		{"ERROR_PATH_NOT_FOUND", pathErr(3), dialNobody},
		{"the bare errno", syscall.Errno(2), dialNobody},
		{"a socket file nobody listens on (WSAECONNREFUSED)", &os.SyscallError{Syscall: "connect", Err: syscall.Errno(10061)}, dialStale},
		{"a pipe of another user (ERROR_ACCESS_DENIED)", pathErr(5), dialUnusable},
		{"ERROR_PIPE_BUSY", pathErr(231), dialUnusable},
		{"a pipe busy until the deadline", context.DeadlineExceeded, dialUnusable},
		{"no AF_UNIX (WSAEAFNOSUPPORT, Wine)", &os.SyscallError{Syscall: "socket", Err: syscall.Errno(10047)}, dialUnusable},
		{"an errno that is ECONNREFUSED elsewhere, not on Windows", syscall.Errno(111), dialUnusable},
		{"anything else", fmt.Errorf("dial: %w", os.ErrPermission), dialUnusable},
	} {
		if got := classifyDial("windows", tc.err); got != tc.want {
			t.Errorf("%s: %v is %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestClassifyDialUnix: on the build platform (a Unix here), the socket's
// errors. Skipped on Windows, whose errno numbers differ.
func TestClassifyDialUnix(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix errno values")
	}
	sysErr := func(e syscall.Errno) error { return &os.SyscallError{Syscall: "connect", Err: e} }
	for _, tc := range []struct {
		err  error
		want dialOutcome
	}{
		{sysErr(syscall.ENOENT), dialNobody},
		{os.ErrNotExist, dialNobody},
		{sysErr(syscall.ECONNREFUSED), dialStale},
		{sysErr(syscall.EACCES), dialUnusable},
		{sysErr(syscall.EAFNOSUPPORT), dialUnusable},
		{sysErr(syscall.EINVAL), dialUnusable}, // a path too long for sun_path
		{context.DeadlineExceeded, dialUnusable},
	} {
		if got := classifyDial(runtime.GOOS, tc.err); got != tc.want {
			t.Errorf("%v is %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestHandoffPipeName: one pipe per data dir, the same whatever the case
// of the path (Windows paths are case-insensitive), in the pipe namespace.
func TestHandoffPipeName(t *testing.T) {
	a := handoffPipeName(`C:\Users\ana\AppData\Local\ferry`)
	if !strings.HasPrefix(a, `\\.\pipe\ferry-handoff-`) || len(a) > 256 {
		t.Errorf("pipe name %q", a)
	}
	if b := handoffPipeName(`c:\users\ANA\appdata\local\ferry`); b != a {
		t.Errorf("case changes the pipe: %q vs %q", a, b)
	}
	if b := handoffPipeName(`C:\Users\bob\AppData\Local\ferry`); b == a {
		t.Errorf("two users share the pipe %q", a)
	}
}

//go:build windows

package app

import (
	"os"

	"golang.org/x/sys/windows"
)

// attachConsole gives a command run from Ferry.exe, the GUI-subsystem
// program (no console of its own), the console of the terminal that
// started it, so that `Ferry.exe help` prints there. Streams that are
// already set (redirected to a file or a pipe, or ferry.com's own console)
// are kept. cmd does not wait for a GUI program, so the output may appear
// after the next prompt: ferry.com, the console program, is the one for
// the terminal (packaging/README.md, Windows).
func attachConsole() {
	if validHandle(windows.STD_OUTPUT_HANDLE) && validHandle(windows.STD_ERROR_HANDLE) {
		return
	}
	if r, _, _ := procAttachConsole.Call(uintptr(attachParentProcess)); r == 0 {
		return // started from Explorer or a shortcut: nobody to print to
	}
	out, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	if !validHandle(windows.STD_OUTPUT_HANDLE) {
		os.Stdout = out
	}
	if !validHandle(windows.STD_ERROR_HANDLE) {
		os.Stderr = out
	}
	if !validHandle(windows.STD_INPUT_HANDLE) {
		if in, err := os.OpenFile("CONIN$", os.O_RDWR, 0); err == nil {
			os.Stdin = in
		}
	}
}

// AttachConsole is not in golang.org/x/sys/windows.
var procAttachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

// attachParentProcess is ATTACH_PARENT_PROCESS, (DWORD)-1.
const attachParentProcess = ^uint32(0)

// validHandle reports whether the standard handle std is set.
func validHandle(std uint32) bool {
	h, err := windows.GetStdHandle(std)
	return err == nil && h != 0 && h != windows.InvalidHandle
}

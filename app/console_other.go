//go:build !windows

package app

// attachConsole does nothing: only Windows separates GUI programs from
// console ones (console_windows.go).
func attachConsole() {}

//go:build !(linux || freebsd || openbsd || netbsd || dragonfly || darwin || windows)

package autostart

// Enable returns ErrUnsupported on this system.
func Enable(string) error { return ErrUnsupported }

// Disable returns ErrUnsupported on this system.
func Disable() error { return ErrUnsupported }

// Enabled returns false and ErrUnsupported on this system.
func Enabled() (bool, error) { return false, ErrUnsupported }

//go:build !linux && !windows && !(darwin && cgo)

package metered

import (
	"errors"
	"runtime"
)

// New returns the system's detector: on this system, one that cannot tell.
// (macOS built with cgo has its own, in metered_darwin.go.)
func New() Detector {
	switch runtime.GOOS {
	case "darwin":
		return Unsupported(errors.New(darwinCannotTell + ": " +
			"this copy of Ferry was built without cgo, which macOS's network path monitor needs; " +
			"use a release build, or build with CGO_ENABLED=1 and the Xcode command line tools"))
	}
	return Unsupported(errors.New("Ferry cannot tell on this system whether the connection is metered"))
}

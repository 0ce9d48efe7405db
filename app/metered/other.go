//go:build !linux && !windows

package metered

import (
	"errors"
	"runtime"
)

// New returns the system's detector: on this system, one that cannot tell.
func New() Detector {
	switch runtime.GOOS {
	case "darwin":
		return Unsupported(errors.New("Ferry cannot tell on this system whether the connection is metered: " +
			"macOS reports expensive and constrained networks only to native code, which this build does not include"))
	}
	return Unsupported(errors.New("Ferry cannot tell on this system whether the connection is metered"))
}

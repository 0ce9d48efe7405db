package autostart

import (
	"fmt"
	"strings"
)

// runCommand renders the command line stored under the Run key: the
// executable quoted the way CommandLineToArgvW splits it, then
// BackgroundFlag. Windows paths cannot contain a double quote, so one is
// refused rather than escaped.
func runCommand(exe string) (string, error) {
	if exe == "" {
		return "", fmt.Errorf("run key: empty executable path")
	}
	if strings.ContainsAny(exe, "\"\x00\r\n") {
		return "", fmt.Errorf("run key: executable path %q contains a quote or control character", exe)
	}
	// A trailing backslash would escape the closing quote; an executable
	// path never ends in one, so quoting is always safe here.
	return `"` + exe + `" ` + BackgroundFlag, nil
}

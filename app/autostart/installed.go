package autostart

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Installed picks the executable a login item should start. exe (the
// running binary) is used when it is installed; when it runs from a build
// folder (inside a source checkout, a temporary folder or Go's build
// cache), a login item pointing there would break when the folder is
// cleaned or rebuilt, so the ferry on PATH outside such folders is used
// instead. note says what was chosen when it is not exe, and why; when no
// installed copy exists, path is "" and note says what to do.
// lookPath is exec.LookPath (a parameter for tests).
func Installed(exe string, lookPath func(string) (string, error)) (path, note string) {
	dir, build := BuildFolder(exe)
	if !build {
		return exe, ""
	}
	if p, err := lookPath("ferry"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			if _, inBuild := BuildFolder(abs); !inBuild && abs != exe {
				return abs, fmt.Sprintf("Ferry runs from a build folder (%s); at login the installed copy %s starts instead.", dir, abs)
			}
		}
	}
	return "", fmt.Sprintf("Ferry runs from a build folder (%s), so it cannot start itself at login: "+
		"install it (see the README) and turn this on from the installed copy.", dir)
}

// LookPath is exec.LookPath, the lookPath Installed is given in the app.
var LookPath = exec.LookPath

// BuildFolder reports whether exe lies in a build folder and which: a
// folder with a .git entry above it, the system's temporary folder, or a
// go-build cache folder.
func BuildFolder(exe string) (string, bool) {
	exe = filepath.Clean(exe)
	if tmp := filepath.Clean(os.TempDir()); within(exe, tmp) {
		return tmp, true
	}
	for dir := filepath.Dir(exe); ; dir = filepath.Dir(dir) {
		if strings.HasPrefix(filepath.Base(dir), "go-build") {
			return dir, true
		}
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir, true
		}
		if parent := filepath.Dir(dir); parent == dir {
			return "", false
		}
	}
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

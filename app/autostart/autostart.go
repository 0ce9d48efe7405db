// Package autostart turns "start Ferry when I log in" on and off for the
// current user, the way each desktop expects it:
//
//   - Linux and the BSDs: an XDG autostart entry,
//     $XDG_CONFIG_HOME/autostart/<AppID>.desktop (~/.config when unset).
//   - macOS: a LaunchAgent, ~/Library/LaunchAgents/<AppID>.plist.
//   - Windows: the value Name under the per-user Run key,
//     HKCU\Software\Microsoft\Windows\CurrentVersion\Run.
//
// Every entry runs the given executable with BackgroundFlag, so Ferry
// starts minimised to the tray instead of opening its window at login.
//
// The three functions Enable, Disable and Enabled are idempotent and safe
// to call from any goroutine, but calls that overlap (two at once) race
// on the same file or registry value; the app calls them from the
// Settings window's handler only. Other systems get ErrUnsupported.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The identity written into every entry. AppID matches the ID in
// FyneApp.toml and the names of the packaged .desktop and LaunchAgent
// files, so a packaged entry and one written here replace each other.
const (
	AppID = "io.github.ferry_sync.ferry"
	Name  = "Ferry"
)

// BackgroundFlag is the argument the login entry passes: start minimised
// to the tray, without opening the main window.
const BackgroundFlag = "--background"

// ErrUnsupported is returned on systems without a known start-at-login
// mechanism.
var ErrUnsupported = errors.New("start at login is not supported on this system")

// checkExe rejects what would make a login entry that can never start:
// a relative path (login runs with another working directory) or a path
// that is not an existing regular file. Symbolic links are kept as given,
// so an entry pointing at /usr/local/bin/ferry survives an upgrade that
// moves the link's target.
func checkExe(exe string) error {
	if !filepath.IsAbs(exe) {
		return fmt.Errorf("enable start at login: executable path %q is not absolute", exe)
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return fmt.Errorf("enable start at login: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("enable start at login: %s is not a regular file", exe)
	}
	return nil
}

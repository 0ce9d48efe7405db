//go:build linux || freebsd || openbsd || netbsd || dragonfly

package autostart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Enable writes $XDG_CONFIG_HOME/autostart/<AppID>.desktop running exe
// with BackgroundFlag, replacing any entry of that name (including one
// that hides a system-wide entry). exe must be the absolute path of an
// existing file; otherwise nothing is written and the error says why.
func Enable(exe string) error {
	if err := checkExe(exe); err != nil {
		return err
	}
	data, err := desktopEntry(exe)
	if err != nil {
		return fmt.Errorf("enable start at login: %w", err)
	}
	path, err := userEntryPath()
	if err != nil {
		return fmt.Errorf("enable start at login: %w", err)
	}
	if err := writeFileAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("enable start at login: %w", err)
	}
	return nil
}

// Disable stops Ferry starting at login. It removes the user's entry; when
// a system-wide entry of the same name exists (an administrator installed
// the package with AUTOSTART=1), it writes a user entry with Hidden=true
// instead, which the specification makes mask the system one. Disabling
// what is not enabled is not an error.
func Disable() error {
	path, err := userEntryPath()
	if err != nil {
		return fmt.Errorf("disable start at login: %w", err)
	}
	sys, err := systemEntry()
	if err != nil {
		return fmt.Errorf("disable start at login: %w", err)
	}
	if sys != nil && entryActive(sys) {
		if err := writeFileAtomic(path, hiddenEntry(), 0o644); err != nil {
			return fmt.Errorf("disable start at login: %w", err)
		}
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("disable start at login: %w", err)
	}
	return nil
}

// Enabled reports whether Ferry starts at login: the user's entry decides
// when there is one, else the first system-wide entry in $XDG_CONFIG_DIRS;
// an entry with Hidden=true or X-GNOME-Autostart-enabled=false is off.
// It returns an error only when an existing entry cannot be read.
func Enabled() (bool, error) {
	path, err := userEntryPath()
	if err != nil {
		return false, fmt.Errorf("read start at login: %w", err)
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return entryActive(data), nil
	case !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("read start at login: %w", err)
	}
	sys, err := systemEntry()
	if err != nil {
		return false, fmt.Errorf("read start at login: %w", err)
	}
	return sys != nil && entryActive(sys), nil
}

// entryName is the autostart file name, the same as the packaged one.
const entryName = AppID + ".desktop"

// userEntryPath is $XDG_CONFIG_HOME/autostart/<AppID>.desktop, with the
// specification's default ~/.config when the variable is unset or not an
// absolute path.
func userEntryPath() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", entryName), nil
}

// systemEntry returns the content of the first <AppID>.desktop found in
// the autostart folder of $XDG_CONFIG_DIRS (default /etc/xdg), or nil
// when there is none.
func systemEntry() ([]byte, error) {
	dirs := os.Getenv("XDG_CONFIG_DIRS")
	if dirs == "" {
		dirs = "/etc/xdg"
	}
	for _, dir := range strings.Split(dirs, ":") {
		if !filepath.IsAbs(dir) {
			continue // the specification says relative entries are ignored
		}
		data, err := os.ReadFile(filepath.Join(dir, "autostart", entryName))
		switch {
		case err == nil:
			return data, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	return nil, nil
}

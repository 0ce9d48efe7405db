//go:build darwin

package autostart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Enable writes ~/Library/LaunchAgents/<AppID>.plist running exe with
// BackgroundFlag; launchd reads it at the next login (it is not loaded
// now, so Ferry does not start a second copy of itself). exe must be the
// absolute path of an existing file, normally
// /Applications/Ferry.app/Contents/MacOS/ferry.
func Enable(exe string) error {
	if err := checkExe(exe); err != nil {
		return err
	}
	data, err := launchAgent(exe)
	if err != nil {
		return fmt.Errorf("enable start at login: %w", err)
	}
	path, err := agentPath()
	if err != nil {
		return fmt.Errorf("enable start at login: %w", err)
	}
	if err := writeFileAtomic(path, data, 0o644); err != nil {
		return fmt.Errorf("enable start at login: %w", err)
	}
	return nil
}

// Disable removes the LaunchAgent; removing a missing one is not an error.
func Disable() error {
	path, err := agentPath()
	if err != nil {
		return fmt.Errorf("disable start at login: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("disable start at login: %w", err)
	}
	return nil
}

// Enabled reports whether the LaunchAgent file exists. It returns an error
// only when its presence cannot be determined.
func Enabled() (bool, error) {
	path, err := agentPath()
	if err != nil {
		return false, fmt.Errorf("read start at login: %w", err)
	}
	_, err = os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("read start at login: %w", err)
}

func agentPath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "Library", "LaunchAgents", AppID+".plist"), nil
}

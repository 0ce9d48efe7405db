//go:build windows

package autostart

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// The per-user Run key, and the key where Task Manager's Startup tab
// records entries the user switched off (first byte of the value odd:
// disabled).
const (
	runKeyPath      = `Software\Microsoft\Windows\CurrentVersion\Run`
	approvedKeyPath = `Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run`
)

// Enable sets the value Name under HKCU\...\Run to `"exe" --background`
// and clears a Task Manager "disabled" mark for it, so ticking the box in
// Ferry is not silently overruled by an old choice made elsewhere. exe must
// be the absolute path of an existing file.
func Enable(exe string) error {
	if err := checkExe(exe); err != nil {
		return err
	}
	cmd, err := runCommand(exe)
	if err != nil {
		return fmt.Errorf("enable start at login: %w", err)
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKeyPath, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("enable start at login: open run key: %w", err)
	}
	defer k.Close()
	if err := k.SetStringValue(Name, cmd); err != nil {
		return fmt.Errorf("enable start at login: %w", err)
	}
	if err := deleteValue(approvedKeyPath); err != nil {
		return fmt.Errorf("enable start at login: clear startup approval: %w", err)
	}
	return nil
}

// Disable deletes the value Name under the Run key (and its Task Manager
// mark); deleting a missing value is not an error.
func Disable() error {
	if err := deleteValue(runKeyPath); err != nil {
		return fmt.Errorf("disable start at login: %w", err)
	}
	if err := deleteValue(approvedKeyPath); err != nil {
		return fmt.Errorf("disable start at login: clear startup approval: %w", err)
	}
	return nil
}

// Enabled reports whether the Run value exists and Task Manager has not
// switched it off. It returns an error only when a key cannot be read.
func Enabled() (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKeyPath, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read start at login: %w", err)
	}
	defer k.Close()
	if _, _, err := k.GetStringValue(Name); errors.Is(err, registry.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("read start at login: %w", err)
	}
	a, err := registry.OpenKey(registry.CURRENT_USER, approvedKeyPath, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read start at login: %w", err)
	}
	defer a.Close()
	mark, _, err := a.GetBinaryValue(Name)
	switch {
	case errors.Is(err, registry.ErrNotExist):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("read start at login: %w", err)
	}
	return len(mark) == 0 || mark[0]&1 == 0, nil
}

// deleteValue removes the value Name under HKCU\path; a missing key or
// value is success.
func deleteValue(path string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(Name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}

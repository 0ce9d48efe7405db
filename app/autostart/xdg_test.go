//go:build linux || freebsd || openbsd || netbsd || dragonfly

package autostart

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// xdgEnv points the XDG variables at fresh temp dirs and returns the user
// config dir, the system config dir and an existing executable file.
func xdgEnv(t *testing.T) (config, system, exe string) {
	t.Helper()
	root := t.TempDir()
	config = filepath.Join(root, "config")
	system = filepath.Join(root, "xdg")
	t.Setenv("HOME", filepath.Join(root, "home"))
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("XDG_CONFIG_DIRS", system)
	exe = filepath.Join(root, "bin dir", "ferry")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return config, system, exe
}

func mustEnabled(t *testing.T, want bool) {
	t.Helper()
	got, err := Enabled()
	if err != nil {
		t.Fatalf("Enabled: %v", err)
	}
	if got != want {
		t.Fatalf("Enabled = %v, want %v", got, want)
	}
}

func TestEnableDisableRoundTrip(t *testing.T) {
	config, _, exe := xdgEnv(t)
	path := filepath.Join(config, "autostart", AppID+".desktop")

	mustEnabled(t, false)
	if err := Disable(); err != nil {
		t.Fatalf("Disable with nothing enabled: %v", err)
	}
	for range 2 { // enabling twice gives the same file
		if err := Enable(exe); err != nil {
			t.Fatalf("Enable: %v", err)
		}
		mustEnabled(t, true)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := desktopEntry(exe)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("entry on disk:\n%s\nwant:\n%s", got, want)
	}
	if args := splitExec(t, execValue(t, got)); len(args) != 2 || args[0] != exe || args[1] != BackgroundFlag {
		t.Errorf("Exec runs %q, want [%q %q]", args, exe, BackgroundFlag)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("entry mode %v, want 0644", fi.Mode().Perm())
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("autostart dir holds %d files, want only the entry (no temporary files left)", len(entries))
	}

	for range 2 { // disabling twice is fine
		if err := Disable(); err != nil {
			t.Fatalf("Disable: %v", err)
		}
		mustEnabled(t, false)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("entry still there after Disable: %v", err)
	}
}

func TestConfigHomeDefaultsToDotConfig(t *testing.T) {
	_, _, exe := xdgEnv(t)
	for _, v := range []string{"", "relative/dir"} { // the spec ignores a relative value
		t.Setenv("XDG_CONFIG_HOME", v)
		if err := Enable(exe); err != nil {
			t.Fatalf("Enable with XDG_CONFIG_HOME=%q: %v", v, err)
		}
		path := filepath.Join(os.Getenv("HOME"), ".config", "autostart", AppID+".desktop")
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("XDG_CONFIG_HOME=%q: entry not in ~/.config: %v", v, err)
		}
		if err := Disable(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("XDG_CONFIG_HOME=%q: entry still there after Disable: %v", v, err)
		}
	}
	if _, err := os.Stat("relative"); !os.IsNotExist(err) {
		t.Errorf("a relative XDG_CONFIG_HOME was used as a directory: %v", err)
	}
}

func TestEnableRejectsUnusableExecutable(t *testing.T) {
	config, _, exe := xdgEnv(t)
	for _, bad := range []string{
		"ferry",                                  // relative: login has another working directory
		filepath.Join(filepath.Dir(exe), "gone"), // missing
		filepath.Dir(exe),                        // a directory
	} {
		if err := Enable(bad); err == nil {
			t.Errorf("Enable(%q) succeeded", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(config, "autostart")); !os.IsNotExist(err) {
		t.Errorf("a refused Enable created the autostart dir: %v", err)
	}
	mustEnabled(t, false)
}

// An administrator's entry in $XDG_CONFIG_DIRS/autostart starts Ferry for
// everyone; Disable must mask it for this user, and Enable unmask it.
func TestSystemEntryIsMaskedAndUnmasked(t *testing.T) {
	config, system, exe := xdgEnv(t)
	other := filepath.Join(filepath.Dir(system), "other")
	t.Setenv("XDG_CONFIG_DIRS", "relative:"+other+":"+system)
	sysEntry := filepath.Join(system, "autostart", AppID+".desktop")
	if err := os.MkdirAll(filepath.Dir(sysEntry), 0o755); err != nil {
		t.Fatal(err)
	}
	packaged, err := os.ReadFile(filepath.Join("..", "..", "packaging", "linux", "autostart.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sysEntry, packaged, 0o644); err != nil {
		t.Fatal(err)
	}
	userEntry := filepath.Join(config, "autostart", AppID+".desktop")

	mustEnabled(t, true)
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	mustEnabled(t, false)
	data, err := os.ReadFile(userEntry)
	if err != nil {
		t.Fatalf("Disable left no masking entry: %v", err)
	}
	if !strings.Contains(string(data), "\nHidden=true\n") {
		t.Errorf("masking entry lacks Hidden=true:\n%s", data)
	}
	if err := Enable(exe); err != nil {
		t.Fatal(err)
	}
	mustEnabled(t, true)
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	mustEnabled(t, false)

	// A system entry switched off is no reason to write a mask.
	if err := os.WriteFile(sysEntry, append(packaged, "Hidden=true\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(userEntry); err != nil {
		t.Fatal(err)
	}
	mustEnabled(t, false)
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(userEntry); !os.IsNotExist(err) {
		t.Errorf("Disable wrote a user entry for a switched-off system entry: %v", err)
	}
}

func TestUserSwitchedOffInDesktopSettings(t *testing.T) {
	config, _, exe := xdgEnv(t)
	if err := Enable(exe); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(config, "autostart", AppID+".desktop")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	off := strings.Replace(string(data), "X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false", 1)
	if err := os.WriteFile(path, []byte(off), 0o644); err != nil {
		t.Fatal(err)
	}
	mustEnabled(t, false)
	if err := Enable(exe); err != nil {
		t.Fatal(err)
	}
	mustEnabled(t, true)
}

func TestUnreadableEntryIsAnError(t *testing.T) {
	config, _, exe := xdgEnv(t)
	// A directory where the file belongs: reading and removing both fail,
	// even as root, where permission bits would not.
	path := filepath.Join(config, "autostart", AppID+".desktop")
	if err := os.MkdirAll(filepath.Join(path, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Enabled(); err == nil {
		t.Error("Enabled with a directory in place of the entry: no error")
	}
	if err := Disable(); err == nil {
		t.Error("Disable with a non-empty directory in place of the entry: no error")
	}
	if err := Enable(exe); err == nil {
		t.Error("Enable with a non-empty directory in place of the entry: no error")
	}
}

package autostart

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstalledAvoidsBuildFolders(t *testing.T) {
	root := t.TempDir()
	checkout := filepath.Join(root, "src", "ferry")
	if err := os.MkdirAll(filepath.Join(checkout, ".git"), 0o700); err != nil {
		t.Fatal(err)
	}
	built := filepath.Join(checkout, "ferry")
	if dir, ok := BuildFolder(built); !ok || dir == "" {
		t.Fatalf("%s inside a checkout not seen as a build folder", built)
	}
	none := func(string) (string, error) { return "", errors.New("not found") }
	if p, note := Installed(built, none); p != "" || !strings.Contains(note, "build folder") {
		t.Fatalf("from a checkout without an installed copy: %q, %q", p, note)
	}
	// /usr/bin is not a build folder on any machine this runs on.
	installed := "/usr/bin/ferry"
	if _, ok := BuildFolder(installed); ok {
		t.Skip("this machine has a .git or temp folder above /usr/bin")
	}
	p, note := Installed(built, func(string) (string, error) { return installed, nil })
	if p != installed || !strings.Contains(note, installed) {
		t.Fatalf("with an installed copy: %q, %q", p, note)
	}
	if p, note := Installed(installed, none); p != installed || note != "" {
		t.Fatalf("running the installed copy: %q, %q", p, note)
	}
}

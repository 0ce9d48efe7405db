package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Fyne reads the locale while the binary initialises; under C.UTF-8 it
// complains on every command unless app/localefix ran first. Go's package
// initialisation order decides that, so check the real binary.
func TestNoLocaleComplaintUnderCUTF8(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ferry")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "version")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LANG") && !strings.HasPrefix(kv, "LC_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ferry version: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "Fyne error") {
		t.Fatalf("Fyne complained about the locale:\n%s", out)
	}
}

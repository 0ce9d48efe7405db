package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/app/config"
)

func TestFolderAddListRemove(t *testing.T) {
	e := newEnv(t)
	e.mustRun("k-1234", "target", "add", "--no-test", "--name", "work", "--kind", "quatrix", "--url", "https://q.example", "--secret-stdin")
	photos := filepath.Join(e.dir, "Photos")
	if err := os.Mkdir(photos, 0o755); err != nil {
		t.Fatal(err)
	}
	r := e.mustRun("", "folder", "add", "--path", photos, "--target", "work", "--remote-dir", "Camera/2026",
		"--conflict", "skip", "--ignore", "*.tmp", "--ignore", ".DS_Store")
	if !strings.Contains(r.out, `added folder "Photos"`) {
		t.Errorf("add output: %q", r.out)
	}
	e.mustRun("", "folder", "add", "--name", "later", "--path", t.TempDir(), "--target", "work", "--disabled")

	cfg, err := config.Load(e.configPath())
	if err != nil {
		t.Fatal(err)
	}
	f := cfg.Folder("Photos")
	if f == nil || f.Path != photos || f.RemoteDir != "Camera/2026" || f.Conflict != "skip" ||
		strings.Join(f.Ignore, "|") != "*.tmp|.DS_Store" || !f.IsEnabled() {
		t.Fatalf("folder = %+v", f)
	}
	if cfg.Folder("later").IsEnabled() {
		t.Error("--disabled folder is enabled")
	}

	r = e.mustRun("", "folder", "list")
	for _, want := range []string{"Photos", photos, "/Camera/2026", "skip", "watched", "*.tmp .DS_Store", "later", "disabled"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("list lacks %q:\n%s", want, r.out)
		}
	}

	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--path", photos, "--target", "work", "--name", "again"}, "already uploads to"},
		{[]string{"--path", photos, "--target", "work"}, `folder "Photos" already exists`},
		{[]string{"--path", filepath.Join(e.dir, "missing"), "--target", "work", "--name", "m"}, "no such file"},
		{[]string{"--path", e.configPath(), "--target", "work", "--name", "file"}, "is not a folder"},
		{[]string{"--path", t.TempDir(), "--target", "nowhere", "--name", "n"}, `target "nowhere" is not defined`},
		{[]string{"--path", t.TempDir(), "--target", "work", "--name", "d", "--remote-dir", "../up"}, `must not contain ".."`},
	} {
		r := e.run(context.Background(), "", append([]string{"folder", "add"}, tc.args...)...)
		if r.code != ExitFailure || !strings.Contains(r.errOut, tc.says) {
			t.Errorf("folder add %v: exit %d %q, want failure containing %q", tc.args, r.code, r.errOut, tc.says)
		}
	}

	e.mustRun("", "folder", "remove", "Photos")
	if _, err := os.Stat(photos); err != nil {
		t.Errorf("remove touched the local folder: %v", err)
	}
	r = e.mustRun("", "folder", "list")
	if strings.Contains(r.out, "Photos") || !strings.Contains(r.out, "later") {
		t.Errorf("list after remove:\n%s", r.out)
	}
}

func TestFolderListEmpty(t *testing.T) {
	e := newEnv(t)
	if r := e.mustRun("", "folder", "list"); !strings.Contains(r.out, "no folders") {
		t.Errorf("empty list: %q", r.out)
	}
	if r := e.mustRun("", "target", "list"); !strings.Contains(r.out, "no targets") {
		t.Errorf("empty list: %q", r.out)
	}
}

func TestBrokenConfigIsReported(t *testing.T) {
	e := newEnv(t)
	if err := os.MkdirAll(filepath.Dir(e.configPath()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.configPath(), []byte("[[target]]\nname = \"w\"\napi_key = \"leaked-key\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(context.Background(), "", "folder", "list")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "config.toml:3:") || !strings.Contains(r.errOut, "ferry target add") {
		t.Errorf("broken config: %d %q", r.code, r.errOut)
	}
	if strings.Contains(r.errOut, "leaked-key") {
		t.Error("the secret value is echoed")
	}
}

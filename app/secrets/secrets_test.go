package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	for spec, want := range map[string]string{
		"": "OS keyring", "keyring": "OS keyring", "env": "environment variables",
		"file:/tmp/s.toml": "secret file /tmp/s.toml",
	} {
		s, err := Open(spec, os.Getenv)
		if err != nil || !strings.HasPrefix(s.Describe(), want) {
			t.Errorf("Open(%q) = %v, %v; want %s", spec, s, err, want)
		}
	}
	for _, spec := range []string{"file:", "plaintext", "vault"} {
		if _, err := Open(spec, os.Getenv); err == nil {
			t.Errorf("Open(%q) succeeded", spec)
		}
	}
}

func TestEnv(t *testing.T) {
	env := map[string]string{"FERRY_SECRET_WORK_EU_API_KEY": "k-1"}
	s := Env{Getenv: func(k string) string { return env[k] }}
	if got := EnvName("work-eu", "api_key"); got != "FERRY_SECRET_WORK_EU_API_KEY" {
		t.Errorf("EnvName = %s", got)
	}
	if v, err := s.Get("work-eu", "api_key"); err != nil || v != "k-1" {
		t.Errorf("Get = %q, %v", v, err)
	}
	_, err := s.Get("work-eu", "jwt")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "FERRY_SECRET_WORK_EU_JWT") {
		t.Errorf("missing: %v", err)
	}
	if err := s.Set("work-eu", "api_key", "new"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Set: %v, want ErrReadOnly", err)
	}
	if err := s.Delete("work-eu", "jwt"); err != nil {
		t.Errorf("Delete of an unset variable: %v", err)
	}
	if err := s.Delete("work-eu", "api_key"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Delete of a set variable: %v, want ErrReadOnly", err)
	}
}

func TestFileStore(t *testing.T) {
	for _, name := range []string{"secrets.toml", "secrets.json"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", name)
			testStore(t, NewFile(path))
			if err := NewFile(path).Set("work", "api_key", "k-9"); err != nil {
				t.Fatal(err)
			}
			// A fresh store reads what another wrote.
			if v, err := NewFile(path).Get("work", "api_key"); err != nil || v != "k-9" {
				t.Fatalf("reopen: %q, %v", v, err)
			}
			if runtime.GOOS != "windows" {
				fi, err := os.Stat(path)
				if err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
				}
				di, _ := os.Stat(filepath.Dir(path))
				if di.Mode().Perm() != 0o700 {
					t.Errorf("dir mode = %v; want 0700", di.Mode().Perm())
				}
			}
		})
	}
}

func TestFileRefusesWideMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits; the file's ACL is the user's profile's")
	}
	path := filepath.Join(t.TempDir(), "secrets.toml")
	if err := os.WriteFile(path, []byte("[work]\napi_key = \"k\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := NewFile(path).Get("work", "api_key")
		if !errors.Is(err, ErrFileMode) || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: %v", mode, err)
		}
		if err := NewFile(path).Set("work", "jwt", "x"); !errors.Is(err, ErrFileMode) {
			t.Errorf("mode %04o: Set wrote to a wide file: %v", mode, err)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if v, err := NewFile(path).Get("work", "api_key"); err != nil || v != "k" {
		t.Errorf("mode 0400: %q, %v", v, err)
	}
}

func TestFileCorruptDoesNotEchoContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.json")
	if err := os.WriteFile(path, []byte(`{"work": {"api_key": "sekrit-value"`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := NewFile(path).Get("work", "api_key")
	if !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "sekrit") {
		t.Errorf("corrupt file: %v", err)
	}
}

func TestObserve(t *testing.T) {
	var seen []string
	s := Observe(NewFile(filepath.Join(t.TempDir(), "s.toml")), func(v string) { seen = append(seen, v) })
	if err := s.Set("w", "jwt", "one"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("w", "jwt"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("w", "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "one,one" {
		t.Errorf("seen = %v", seen)
	}
}

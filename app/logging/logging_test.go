package logging

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

type account struct {
	User  string
	Token string
}

func TestKnownSecretsNeverReachOutput(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	log, r, closeLog, err := Setup(Options{Level: slog.LevelDebug, Dir: dir, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"k-1234-APIKEY", `pa ss"word=1`, "eyJhbGciOi.payload.sig", "shareTOKEN16char"}
	for _, s := range secrets[:3] {
		r.Add(s)
	}
	early := log.With("early", "made with "+secrets[0])
	// Registered after a logger carrying it was built: the writer catches it.
	late := log.With("late", "made with "+secrets[3])
	r.Add(secrets[3])

	log.Info("login with "+secrets[1], "user", "me@example.com")
	log.Debug("request", "url", "https://q.example/api?x="+secrets[0], "count", 3)
	log.Warn("failed", "err", fmt.Errorf("put chunk 2: %w", errors.New("server said "+secrets[2])))
	log.Info("account", "acct", account{User: "me", Token: secrets[2]}, "raw", []byte(secrets[0]))
	log.Info("grouped", slog.Group("req", slog.String("body", "token="+secrets[1]), slog.Int("n", 1)))
	log.Info("by name", "authorization", "Bearer not-registered-1", "api_key", "not-registered-2",
		slog.Group("hdr", slog.String("Cookie", "not-registered-3")))
	early.Info("early logger")
	late.Error("late logger")
	log.Info("upload " + RedactURL("https://files.ro/api/v1/shares/"+secrets[3]+"/uploads"))
	if err := closeLog(); err != nil {
		t.Fatal(err)
	}

	file, err := os.ReadFile(filepath.Join(dir, LogFileName))
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"file": string(file), "stderr": stderr.String()} {
		for _, s := range append(secrets, "not-registered-1", "not-registered-2", "not-registered-3") {
			if strings.Contains(out, s) {
				t.Errorf("%s output contains secret %q:\n%s", name, s, out)
			}
		}
		// Escaped forms must not leak either (the text handler quotes values).
		if strings.Contains(out, `pa ss\"word=1`) {
			t.Errorf("%s output contains an escaped secret", name)
		}
		for _, want := range []string{"me@example.com", "count=3", "n=1", "early logger", "late logger", Mask} {
			if !strings.Contains(out, want) {
				t.Errorf("%s output lacks %q:\n%s", name, want, out)
			}
		}
		if got := strings.Count(out, "\n"); got != 9 {
			t.Errorf("%s output has %d lines, want 9", name, got)
		}
	}
}

func TestRedactor(t *testing.T) {
	var r Redactor
	if got := r.Redact("nothing registered"); got != "nothing registered" {
		t.Errorf("empty redactor changed the text: %q", got)
	}
	r.Add("abc") // too short: ignored
	r.Add("secret")
	r.Add("secret-longer")
	r.Add("secret")
	if got := r.Redact("abc secret-longer secret"); got != "abc "+Mask+" "+Mask {
		t.Errorf("Redact = %q", got)
	}
	var nilR *Redactor
	if nilR.Redact("x") != "x" {
		t.Error("nil redactor changed the text")
	}
}

func TestRedactorConcurrent(t *testing.T) {
	var r Redactor
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			r.Add(fmt.Sprintf("secret-%02d", i))
		}()
		go func() {
			defer wg.Done()
			for range 100 {
				_ = r.Redact("secret-01 secret-02")
			}
		}()
	}
	wg.Wait()
	if got := r.Redact("secret-07"); got != Mask {
		t.Errorf("after concurrent adds: %q", got)
	}
}

func TestIsSecretKey(t *testing.T) {
	for key, want := range map[string]bool{
		"token": true, "Authorization": true, "api_key": true, "X-Api-Key": true, "password": true,
		"share_token": true, "Set-Cookie": true, "jwt": true, "session_id": true,
		"url": false, "user": false, "err": false, "passage": false, "tokens_used": false,
	} {
		if got := IsSecretKey(key); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://files.ro/api/v1/shares/AbC123xyz/uploads":              "https://files.ro/api/v1/shares/" + Mask + "/uploads",
		"https://vfm.example/api/sharing/upload/chunks/AbC123xyz":       "https://vfm.example/api/sharing/upload/chunks/" + Mask,
		"https://vfm.example/api/sharing/upload/AbC123xyz":              "https://vfm.example/api/sharing/upload/" + Mask,
		"https://acme.quatrix.it/upload/chunked/k-9f2?x=1":              "https://acme.quatrix.it/upload/chunked/" + Mask + "?x=1",
		"https://acme.quatrix.it/api/1.0/upload/finalize/k-9f2?mtime=5": "https://acme.quatrix.it/api/1.0/upload/finalize/" + Mask + "?mtime=5",
		"https://h/api?access_token=abc&name=a.txt":                     "https://h/api?access_token=" + Mask + "&name=a.txt",
		"https://user:pw@h/x":                                           "https://" + Mask + "@h/x",
		"https://h/api/v2/pm/upload/?done":                              "https://h/api/v2/pm/upload/?done",
		"https://h/companies/c1/files/f2?chunk_number=3":                "https://h/companies/c1/files/f2?chunk_number=3",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	if got := RedactURL("%zz?token=abc"); strings.Contains(got, "abc") {
		t.Errorf("unparsable URL kept its query: %q", got)
	}
}

func TestRotatingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "ferry.log")
	f, err := OpenRotating(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 39) + "\n") // 40 bytes: two lines per file
	for range 9 {
		if _, err := f.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(line); !errors.Is(err, os.ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	sizes := map[string]int64{}
	for _, name := range []string{"ferry.log", "ferry.log.1", "ferry.log.2"} {
		fi, err := os.Stat(filepath.Join(filepath.Dir(path), name))
		if err != nil {
			t.Fatal(err)
		}
		sizes[name] = fi.Size()
		if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v", name, fi.Mode().Perm())
		}
	}
	// 9 lines, 2 per file: current holds the 9th, .1 and .2 two each; the
	// older four lines were dropped with ferry.log.3.
	if sizes["ferry.log"] != 40 || sizes["ferry.log.1"] != 80 || sizes["ferry.log.2"] != 80 {
		t.Errorf("sizes = %v", sizes)
	}
	if _, err := os.Stat(path + ".3"); !os.IsNotExist(err) {
		t.Errorf("a third backup exists: %v", err)
	}
	// Reopening appends to the current file.
	f, err = OpenRotating(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(line); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() != 80 {
		t.Errorf("after reopen size = %d, want 80", fi.Size())
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		if got, err := ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseLevel("loud"); err == nil {
		t.Error("ParseLevel(loud) succeeded")
	}
}

func TestSetupWithoutOutputs(t *testing.T) {
	log, r, closeLog, err := Setup(Options{})
	if err != nil || r == nil {
		t.Fatal(err)
	}
	log.Info("discarded")
	if err := closeLog(); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkRedactHandler(b *testing.B) {
	var r Redactor
	for i := range 10 {
		r.Add(fmt.Sprintf("secret-value-%02d-abcdef", i))
	}
	log, _, _, err := Setup(Options{Stderr: ioDiscard{}, Redactor: &r})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		log.Info("put chunk", "url", "https://h/x", "n", 3, "err", errors.New("boom"))
	}
}

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }

func TestRotateFailureKeepsLogging(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a directory in the way of a rename behaves differently on Windows")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ferry.log")
	f, err := OpenRotating(path, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A non-empty directory named like the backup makes the rename fail.
	if err := os.MkdirAll(filepath.Join(path+".1", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("first line\n")); err != nil {
		t.Fatal(err)
	}
	if n, err := f.Write([]byte("second\n")); err == nil || n != 7 {
		t.Fatalf("failed rotation: n=%d err=%v; want the line written and the error returned", n, err)
	}
	if n, _ := f.Write([]byte("third\n")); n != 6 {
		t.Fatalf("logging stopped after a failed rotation: n=%d", n)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "first line\nsecond\nthird\n" {
		t.Errorf("log = %q", got)
	}
}

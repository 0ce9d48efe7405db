package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
)

// quatrixRoot is the sandbox user's home folder in the store; a deleted
// placeholder goes to its Trash.
const quatrixRoot = "/user@example.com"

// quatrixTarget adds the Quatrix target of a TLS sandbox, pinned to its
// certificate, logging in with the API key or (password) email and
// password.
func quatrixTarget(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env, password bool) target {
	t.Helper()
	if s.Pin == "" {
		t.Fatal("the Quatrix tests run over https: start the sandbox with --tls")
	}
	tg := target{
		name: "quatrix", api: "quatrix", layout: underFolder(quatrixRoot, quatrixRoot+"/Trash"),
		dataRoute: "POST /upload/chunked/{key}",
	}
	flags := []string{"--tls-pin", s.Pin}
	secret := s.MustCredential("quatrix", "api-key", "user@example.com")
	if password {
		flags = append(flags, "--auth", "password", "--email", "user@example.com")
		secret = s.MustCredential("quatrix", "password", "user@example.com")
	}
	addTarget(t, f, tg.name, "quatrix", s.Base, []string{secret}, flags...)
	return tg
}

func TestQuatrixPlainAPIKey(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--tls", "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	plainScenario(t, s, f, quatrixTarget(t, s, f, false), 24<<20, 21)
}

func TestQuatrixPlainPassword(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--tls", "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	plainScenario(t, s, f, quatrixTarget(t, s, f, true), 24<<20, 22)
}

// TestQuatrixSessionExpiresMidRun ends every session login while the
// large file is being sent: the client must log in again and finish
// without duplicates.
func TestQuatrixSessionExpiresMidRun(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--tls", "--log-size", "100000", "--faults", "bw=20MB")
	f := ferrytest.NewEnv(t, "")
	tg := quatrixTarget(t, s, f, true)
	at := expireMidRun(t, s, f, tg, "quatrix-expire-sessions", 23)
	logins, unauthorized := 0, 0
	for _, e := range s.MustLog()[at:] {
		if e.API != "quatrix" {
			continue
		}
		if strings.HasPrefix(e.Route, "GET /api/1.0/session/login") && e.Status == 200 {
			logins++
		}
		if e.Status == 401 {
			unauthorized++
		}
	}
	t.Logf("session expired mid-run: %d request(s) answered 401 afterwards, %d new login(s)", unauthorized, logins)
	if unauthorized > 0 && logins == 0 {
		t.Error("the client got 401 after the expiry but never logged in again")
	}
}

// TestQuatrixUploadKeyExpiresMidRun ends every open upload key while the
// large file is being sent: the file must start over (a new placeholder)
// and arrive once, with no placeholder left behind.
func TestQuatrixUploadKeyExpiresMidRun(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--tls", "--log-size", "100000", "--faults", "bw=20MB")
	f := ferrytest.NewEnv(t, "")
	tg := quatrixTarget(t, s, f, false)
	at := expireMidRun(t, s, f, tg, "quatrix-expire-upload-keys", 26)
	links := 0
	for _, e := range s.MustLog()[at:] {
		if e.API == "quatrix" && e.Route == "POST /api/1.0/upload/link" {
			links++
		}
	}
	t.Logf("upload keys expired mid-run: %d new upload link(s) afterwards", links)
	if links == 0 {
		t.Error("no new upload link after the keys expired: the file cannot have started over")
	}
}

// expireMidRun uploads a tree with a 24 MiB file, calls the control hook
// once 8 MiB have been sent, waits for the upload to succeed and checks the
// result. It returns the log length at the hook call.
func expireMidRun(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env, tg target, hook string, seed uint64) int {
	t.Helper()
	files := treeSpec(24 << 20)
	tree := writeTree(t, seed, files)
	start := time.Now()
	p := f.Start(uploadArgs(tg.name, tree)...)
	if !p.WaitUntil(2*time.Minute, func() bool { return dataBytes(s.MustLog(), tg) >= 8<<20 }) {
		t.Fatalf("upload did not send 8 MiB within 2 minutes:\n%s%s", p.Stdout(), p.Stderr())
	}
	if p.Exited() {
		t.Fatal("upload finished before the hook could be called (the bandwidth cap is too loose)")
	}
	if err := s.Control(hook); err != nil {
		t.Fatal(err)
	}
	at := len(s.MustLog())
	if err := p.Wait(t, uploadTimeout); err != nil {
		t.Fatalf("upload after %s: %v\nstdout:\n%s\nstderr:\n%s", hook, err, p.Stdout(), p.Stderr())
	}
	t.Logf("%s after %s: done in %s", tg.name, hook, time.Since(start).Round(10*time.Millisecond))
	checkUploaded(t, s, tg.api, tg.layout, files, false)
	return at
}

func TestQuatrixFaults(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--tls", "--log-size", "100000", "--faults", faultSpec+",seed=24")
	f := ferrytest.NewEnv(t, "")
	faultScenario(t, s, f, quatrixTarget(t, s, f, true), 12<<20, 24)
}

func TestQuatrixKill(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--tls", "--log-size", "100000", "--faults", "bw=20MB")
	f := ferrytest.NewEnv(t, "")
	killScenario(t, s, f, quatrixTarget(t, s, f, false), 24<<20, 25)
}

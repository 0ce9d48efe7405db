package e2e

import (
	"strings"
	"testing"
	"time"
)

// quatrixRoot is the sandbox user's home folder in the store; a deleted
// placeholder goes to its Trash.
const quatrixRoot = "/user@example.com"

// quatrixTarget adds the Quatrix target of a TLS sandbox, pinned to its
// certificate, logging in with the API key or (password) email and
// password.
func quatrixTarget(t *testing.T, s *sandboxProc, f *ferryEnv, password bool) target {
	t.Helper()
	if s.pin == "" {
		t.Fatal("the Quatrix tests run over https: start the sandbox with --tls")
	}
	tg := target{
		name: "quatrix", api: "quatrix", layout: underFolder(quatrixRoot, quatrixRoot+"/Trash"),
		dataRoute: "POST /upload/chunked/{key}",
	}
	flags := []string{"--tls-pin", s.pin}
	secret := s.credential("quatrix", "api-key", "user@example.com")
	if password {
		flags = append(flags, "--auth", "password", "--email", "user@example.com")
		secret = s.credential("quatrix", "password", "user@example.com")
	}
	f.addTarget(tg.name, "quatrix", s.base, []string{secret}, flags...)
	return tg
}

func TestQuatrixPlainAPIKey(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, "--tls", "--log-size", "100000")
	f := newFerry(t)
	plainScenario(t, s, f, quatrixTarget(t, s, f, false), 24<<20, 21)
}

func TestQuatrixPlainPassword(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, "--tls", "--log-size", "100000")
	f := newFerry(t)
	plainScenario(t, s, f, quatrixTarget(t, s, f, true), 24<<20, 22)
}

// TestQuatrixSessionExpiresMidRun ends every session login while the
// large file is being sent: the client must log in again and finish
// without duplicates.
func TestQuatrixSessionExpiresMidRun(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, "--tls", "--log-size", "100000", "--faults", "bw=20MB")
	f := newFerry(t)
	tg := quatrixTarget(t, s, f, true)
	files := treeSpec(24 << 20)
	tree := writeTree(t, 23, files)
	start := time.Now()
	p := f.start(uploadArgs(tg.name, tree)...)
	if !p.waitUntil(2*time.Minute, func() bool { return dataBytes(s.requests(), tg) >= 8<<20 }) {
		t.Fatalf("upload did not send 8 MiB within 2 minutes:\n%s%s", p.out.String(), p.errOut.String())
	}
	if err := s.control("quatrix-expire-sessions"); err != nil {
		t.Fatal(err)
	}
	expiredAt := len(s.requests())
	if err := p.wait(t, uploadTimeout); err != nil {
		t.Fatalf("upload after the session expired: %v\nstdout:\n%s\nstderr:\n%s", err, p.out.String(), p.errOut.String())
	}
	log := s.requests()
	logins, unauthorized := 0, 0
	for _, e := range log[expiredAt:] {
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
	t.Logf("session expired mid-run: %d request(s) answered 401 afterwards, %d new login(s); done in %s",
		unauthorized, logins, time.Since(start).Round(10*time.Millisecond))
	if unauthorized > 0 && logins == 0 {
		t.Error("the client got 401 after the expiry but never logged in again")
	}
	checkUploaded(t, s, tg.api, tg.layout, files, false)
}

func TestQuatrixFaults(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, "--tls", "--log-size", "100000", "--faults", faultSpec+",seed=24")
	f := newFerry(t)
	faultScenario(t, s, f, quatrixTarget(t, s, f, true), 12<<20, 24)
}

func TestQuatrixKill(t *testing.T) {
	t.Parallel()
	s := startSandbox(t, "--tls", "--log-size", "100000", "--faults", "bw=20MB")
	f := newFerry(t)
	killScenario(t, s, f, quatrixTarget(t, s, f, false), 24<<20, 25)
}

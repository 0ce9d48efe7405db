package soak

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
)

// TestSecretsNeverLeak uploads to every provider with known secret values
// (through retries: the sandbox injects errors) and with wrong ones (auth
// failures), then searches everything Ferry wrote (config, queue file with
// its history, log files, standard output and error) and the sandbox's
// request log for the values: none may appear. The secret file is the one
// place they belong; it and the config must be 0600.
func TestSecretsNeverLeak(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir, "500=0.1,503=0.05,429=0.05,retry-after=100ms,seed=3")
	env := ferrytest.NewEnv(t, dir)

	apiKey := sb.MustCredential("quatrix", "api-key", "user@example.com")
	password := sb.MustCredential("quatrix", "password", "user@example.com")
	jwt := sb.MustCredential("twake", "token", "jwt")
	share := sb.MustCredential("filesro", "share-token", "editor")
	protected := sb.MustCredential("filesro", "share-token", "protected")
	sharePass := sb.MustCredential("filesro", "share-password", "protected")
	token := sb.MustCredential("selfcommunity", "token", "alice")
	// Wrong secrets are secrets too: a refused one must not be echoed.
	wrong := []string{"wrong-key-3f9a1c7e5b", "wrongsharetoken9", "wrong-token-7d2e4b1a9c"}

	good := []struct {
		name, stdin string
		args        []string
	}{
		{"q-key", apiKey, []string{"--kind", "quatrix"}},
		{"q-pass", password, []string{"--kind", "quatrix", "--auth", "password", "--email", "user@example.com"}},
		{"tw", jwt, []string{"--kind", "twake", "--company-id", sb.CompanyID}},
		{"fr", share, []string{"--kind", "filesro"}},
		{"fr-prot", protected + "\n" + sharePass, []string{"--kind", "filesro", "--protected"}},
		{"sc", token, []string{"--kind", "selfcommunity"}},
	}
	bad := []struct {
		name, stdin string
		args        []string
	}{
		{"q-bad", wrong[0], []string{"--kind", "quatrix"}},
		{"fr-bad", wrong[1], []string{"--kind", "filesro"}},
		{"sc-bad", wrong[2], []string{"--kind", "selfcommunity"}},
	}
	for _, tg := range append(good, bad...) {
		args := append([]string{"target", "add", "--no-test", "--name", tg.name, "--url", sb.Base, "--secret-stdin", "--chunk-size", "1MiB"}, tg.args...)
		env.MustRun(cmdTimeout, tg.stdin+"\n", args...)
	}

	src := filepath.Join(dir, "files")
	w := newWorkload(src, 9)
	w.add(t, true)
	for range 6 {
		w.add(t, false)
	}
	var output bytes.Buffer
	for _, tg := range good {
		output.WriteString(env.MustRun(cmdTimeout, "", "--log-level", "debug", "upload", "--target", tg.name, "--progress", "plain", "--to", "leak/"+tg.name, src).Stdout)
		// files.ro has no credential check (the command says so and exits 1).
		out, code := runExpectFailure(t, env, "--log-level", "debug", "target", "test", tg.name)
		output.WriteString(out)
		if code != 0 && !strings.HasPrefix(tg.name, "fr") {
			t.Errorf("ferry target test %s: exit %d\n%s", tg.name, code, out)
		}
	}
	for _, tg := range bad {
		for _, args := range [][]string{
			{"--log-level", "debug", "upload", "--target", tg.name, "--progress", "plain", src},
			{"--log-level", "debug", "target", "test", tg.name},
		} {
			out, code := runExpectFailure(t, env, args...)
			output.WriteString(out)
			if code == 0 {
				t.Errorf("ferry %s with a wrong secret exited 0", strings.Join(args, " "))
			}
		}
	}

	secretValues := []string{apiKey, password, jwt, share, protected, sharePass, token}
	secretValues = append(secretValues, wrong...)
	forms := map[string]string{} // searched form -> which secret, for the message
	wrongForms := map[string]bool{}
	for i, s := range secretValues {
		label := fmt.Sprintf("secret #%d", i)
		for form, how := range map[string]string{
			s: "", url.PathEscape(s): " (URL-escaped)",
			base64.StdEncoding.EncodeToString([]byte("user@example.com:" + s)): " (Basic auth)",
		} {
			forms[form] = label + how
			wrongForms[form] = i >= len(secretValues)-len(wrong)
		}
	}

	var sandboxLog any
	if err := sb.GetJSON("/_sandbox/log", &sandboxLog); err != nil {
		t.Fatal(err)
	}
	logJSON, err := json.Marshal(sandboxLog)
	if err != nil {
		t.Fatal(err)
	}
	places := map[string][]byte{"command output": output.Bytes(), "sandbox request log": logJSON}
	searched := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path == filepath.Join(dir, "sandbox") {
			return filepath.SkipDir // the server's own storage, not Ferry's
		}
		if d.IsDir() || path == env.Secrets || path == filepath.Join(dir, "sandbox.err") || strings.HasPrefix(path, src) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		places[rel] = b
		searched++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"config.toml", filepath.Join("data", "queue.db")} {
		if places[want] == nil {
			t.Errorf("%s was not written: the search would miss it", want)
		}
	}
	hasLog := false
	for p := range places {
		hasLog = hasLog || strings.HasPrefix(p, filepath.Join("data", "logs"))
	}
	if !hasLog {
		t.Error("no log file under data/logs: the search would miss the log")
	}
	for place, b := range places {
		for form, label := range forms {
			if place == "sandbox request log" && wrongForms[form] {
				// The server redacts the credentials it issued; a wrong
				// token in a URL is not one it can know to hide.
				continue
			}
			if bytes.Contains(b, []byte(form)) {
				t.Errorf("%s found in %s", label, place)
			}
		}
	}
	// The uploads really went through: the history names each target.
	if !bytes.Contains(output.Bytes(), []byte("leak/sc")) && !bytes.Contains(places[filepath.Join("data", "queue.db")], []byte("leak/sc")) {
		t.Error("no trace of the selfcommunity upload: did anything upload?")
	}
	for _, f := range []string{env.Config, env.Secrets} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
	t.Logf("searched %d files, the command output and the sandbox log for %d secret forms", searched, len(forms))
}

// runExpectFailure runs a ferry command that is meant to fail and returns
// its combined output and exit code.
func runExpectFailure(t *testing.T, env *ferrytest.Env, args ...string) (string, int) {
	t.Helper()
	cmd := env.Command(args...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("ferry %s: %v", strings.Join(args, " "), err)
	}
	return string(out), 0
}

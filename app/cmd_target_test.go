package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/secrets"
)

func TestTargetAddListRemove(t *testing.T) {
	e := newEnv(t)
	const key = "qk-0123456789-SECRET"
	r := e.mustRun(key+"\n", "target", "add", "--no-test", "--name", "work", "--kind", "quatrix",
		"--url", "https://acme.quatrix.example", "--chunk-size", "8MiB", "--conflict", "overwrite", "--secret-stdin")
	if !strings.Contains(r.out, `added target "work"`) || !strings.Contains(r.out, "OS keyring") {
		t.Errorf("add output: %q", r.out)
	}
	e.prompts = []string{"correct horse battery"}
	e.mustRun("", "target", "add", "--no-test", "--name", "pw", "--kind", "quatrix", "--url", "https://q2.example",
		"--auth", "password", "--email", "me@example.com")
	e.mustRun("jwt-value-1", "target", "add", "--no-test", "--name", "chat", "--kind", "twake", "--url", "http://127.0.0.1:9",
		"--company-id", "c1", "--drive-folders", "--parallel-chunks", "2", "--secret-stdin")

	raw, err := os.ReadFile(e.configPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{key, "correct horse", "jwt-value-1"} {
		if strings.Contains(string(raw), s) {
			t.Fatalf("config file holds a secret:\n%s", raw)
		}
	}
	cfg, err := config.Load(e.configPath())
	if err != nil {
		t.Fatal(err)
	}
	if w := cfg.Target("work"); w.ChunkSize != 8<<20 || w.Conflict != "overwrite" {
		t.Errorf("work = %+v", w)
	}
	if c := cfg.Target("chat"); !c.DriveFolders || c.ParallelChunks != 2 || c.CompanyID != "c1" {
		t.Errorf("chat = %+v", c)
	}
	for target, want := range map[string][2]string{
		"work": {SecretAPIKey, key}, "pw": {"password", "correct horse battery"}, "chat": {"jwt", "jwt-value-1"},
	} {
		if v, err := (secrets.Keyring{}).Get(target, want[0]); err != nil || v != want[1] {
			t.Errorf("keyring %s/%s = %q, %v", target, want[0], v, err)
		}
	}

	r = e.mustRun("", "target", "list")
	for _, want := range []string{"work", "quatrix", "api_key stored", "pw", "password stored", "chat", "jwt stored"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("list lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, key) || strings.Contains(r.out, "correct horse") {
		t.Fatalf("list shows a secret:\n%s", r.out)
	}
	if err := (secrets.Keyring{}).Delete("chat", "jwt"); err != nil {
		t.Fatal(err)
	}
	if r = e.mustRun("", "target", "list"); !strings.Contains(r.out, "jwt missing") {
		t.Errorf("list after deleting a secret:\n%s", r.out)
	}

	r = e.run(context.Background(), "x", "target", "add", "--no-test", "--name", "work", "--kind", "filesro", "--url", "https://f", "--secret-stdin")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "already exists") {
		t.Errorf("duplicate add: %d %q", r.code, r.errOut)
	}

	e.mustRun("", "target", "remove", "work")
	if _, err := (secrets.Keyring{}).Get("work", "api_key"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("secret left after remove: %v", err)
	}
	if r = e.mustRun("", "target", "list"); strings.Contains(r.out, "work") {
		t.Errorf("removed target still listed:\n%s", r.out)
	}
}

func TestTargetAddRefusals(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		says  string
	}{
		{"no terminal", "", []string{"--name", "a", "--kind", "filesro", "--url", "https://f"}, ExitUsage, "--secret-stdin"},
		{"empty secret", "\n", []string{"--name", "a", "--kind", "filesro", "--url", "https://f", "--secret-stdin"}, ExitUsage, "is empty"},
		{"bad kind", "s", []string{"--name", "a", "--kind", "ftp", "--url", "https://f", "--secret-stdin"}, ExitUsage, "--kind must be one of"},
		{"plain http", "s", []string{"--name", "a", "--kind", "filesro", "--url", "http://f.example", "--secret-stdin"}, ExitUsage, "--url must be https://"},
		{"foreign flag", "s", []string{"--name", "a", "--kind", "filesro", "--url", "https://f", "--company-id", "c", "--secret-stdin"}, ExitUsage, "--company-id is not a filesro setting"},
		{"twake without company", "s", []string{"--name", "a", "--kind", "twake", "--url", "https://t", "--secret-stdin"}, ExitUsage, `target "a": --company-id is missing`},
		{"second secret missing", "tok\n", []string{"--name", "a", "--kind", "filesro", "--url", "https://f", "--protected", "--secret-stdin"}, ExitUsage, "password of the protected share is empty"},
		{"bad size", "s", []string{"--name", "a", "--kind", "filesro", "--url", "https://f", "--chunk-size", "big"}, ExitUsage, "not a size"},
	} {
		r := e.run(context.Background(), tc.stdin, append([]string{"target", "add"}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.errOut, tc.says) {
			t.Errorf("%s: exit %d %q; want %d containing %q", tc.name, r.code, r.errOut, tc.code, tc.says)
		}
	}
	if _, err := os.Stat(e.configPath()); !os.IsNotExist(err) {
		t.Errorf("a refused add wrote the config: %v", err)
	}
	if _, err := (secrets.Keyring{}).Get("a", "share_token"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("a refused add stored a secret: %v", err)
	}
}

// TestSelfCommunityWithoutRecipientsIsSaid: a SelfCommunity target that
// would send each file to nobody is added with a note that says so.
func TestSelfCommunityWithoutRecipientsIsSaid(t *testing.T) {
	e := newEnv(t)
	r := e.mustRun("tok", "target", "add", "--no-test", "--name", "pm", "--kind", "selfcommunity", "--url", "https://c.example", "--secret-stdin")
	if !strings.Contains(r.errOut, "without --recipients or --group each file is uploaded but sent to nobody") {
		t.Errorf("no note: %q", r.errOut)
	}
	r = e.mustRun("tok", "target", "add", "--no-test", "--name", "pm2", "--kind", "selfcommunity", "--url", "https://c.example",
		"--group", "4", "--secret-stdin")
	if strings.Contains(r.errOut, "nobody") {
		t.Errorf("a note for a target with a group: %q", r.errOut)
	}
}

func TestTargetWithSecretFile(t *testing.T) {
	e := newEnv(t)
	path := filepath.Join(e.dir, "secrets", "ferry.json")
	e.mustRun("share-TOKEN-1\r\nshare pass 2\n", "--secrets", "file:"+path, "target", "add", "--no-test", "--name", "drop", "--kind", "filesro",
		"--url", "https://files.example", "--protected", "--secret-stdin")
	if v, err := secrets.NewFile(path).Get("drop", "share_token"); err != nil || v != "share-TOKEN-1" {
		t.Fatalf("secret file: %q, %v", v, err)
	}
	if v, err := secrets.NewFile(path).Get("drop", "share_password"); err != nil || v != "share pass 2" {
		t.Fatalf("second secret from stdin: %q, %v", v, err)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("secret file mode %v", fi.Mode().Perm())
		}
	}
	// The same store chosen by the environment instead of the flag.
	e.vars[EnvSecrets] = "file:" + path
	if r := e.mustRun("", "target", "list"); !strings.Contains(r.out, "share_token stored, share_password stored") {
		t.Errorf("list via FERRY_SECRETS: %s", r.out)
	}
	e.mustRun("", "target", "remove", "drop")
	for _, name := range []string{"share_token", "share_password"} {
		if _, err := secrets.NewFile(path).Get("drop", name); !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("%s left in file: %v", name, err)
		}
	}
}

func TestTargetEnvSecretsAreReadOnly(t *testing.T) {
	e := newEnv(t)
	r := e.run(context.Background(), "tok", "--secrets", "env", "target", "add", "--no-test", "--name", "pm", "--kind", "selfcommunity",
		"--url", "https://community.example", "--group", "7", "--secret-stdin")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "FERRY_SECRET_PM_ACCESS_TOKEN") {
		t.Fatalf("env add: %d %q", r.code, r.errOut)
	}
	if _, err := os.Stat(e.configPath()); !os.IsNotExist(err) {
		t.Error("config saved although the secret could not be stored")
	}
}

func TestTargetRemoveRefusedWhileUsed(t *testing.T) {
	e := newEnv(t)
	e.mustRun("k-1234", "target", "add", "--no-test", "--name", "work", "--kind", "quatrix", "--url", "https://q.example", "--secret-stdin")
	e.mustRun("", "folder", "add", "--name", "docs", "--path", t.TempDir(), "--target", "work")
	r := e.run(context.Background(), "", "target", "remove", "work")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "folders docs upload to") {
		t.Fatalf("remove while used: %d %q", r.code, r.errOut)
	}
	if v, err := (secrets.Keyring{}).Get("work", "api_key"); err != nil || v != "k-1234" {
		t.Errorf("refused remove touched the secret: %q %v", v, err)
	}
}

func TestSetSecret(t *testing.T) {
	e := newEnv(t)
	e.mustRun("old-token", "target", "add", "--no-test", "--name", "chat", "--kind", "twake", "--url", "https://t.example",
		"--company-id", "c", "--secret-stdin")
	e.prompts = []string{"new-token"}
	r := e.mustRun("", "target", "set-secret", "chat")
	if !strings.Contains(r.out, `stored jwt for target "chat"`) {
		t.Errorf("set-secret output: %q", r.out)
	}
	if v, _ := (secrets.Keyring{}).Get("chat", "jwt"); v != "new-token" {
		t.Errorf("secret = %q", v)
	}
}

// A Quatrix target's link PIN is a secret like its login: `target add
// --link-pin` asks for it after the API key and keeps it in the secrets
// store; config.toml says only link_pin = true. `set-secret --only
// public_link_pin` replaces it alone; remove deletes it.
func TestTargetLinkPin(t *testing.T) {
	e := newEnv(t)
	const key, pin, pin2 = "qk-LINKPIN-0001", "pin 4711 ü", "second-pin-0815"
	r := e.run(context.Background(), key+"\n"+pin+"\n", "target", "add", "--no-test", "--name", "q", "--kind", "quatrix",
		"--url", "https://q.example", "--link-pin", "--secret-stdin")
	if r.code != ExitUsage || !strings.Contains(r.errOut, "--link-pin needs --public-links") {
		t.Fatalf("--link-pin without --public-links: %d %q", r.code, r.errOut)
	}
	e.mustRun(key+"\n"+pin+"\n", "target", "add", "--no-test", "--name", "q", "--kind", "quatrix",
		"--url", "https://q.example", "--public-links", "--link-pin", "--secret-stdin")
	raw, err := os.ReadFile(e.configPath())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "4711") || strings.Contains(string(raw), key) || !strings.Contains(string(raw), "link_pin = true") {
		t.Fatalf("config file: want link_pin = true and no secret:\n%s", raw)
	}
	for name, want := range map[string]string{SecretAPIKey: key, SecretLinkPin: pin} {
		if v, err := (secrets.Keyring{}).Get("q", name); err != nil || v != want {
			t.Errorf("keyring q/%s: %v (stored value matches: %v)", name, err, v == want)
		}
	}
	if r := e.mustRun("", "target", "list"); !strings.Contains(r.out, "api_key stored, public_link_pin stored") || strings.Contains(r.out, "4711") {
		t.Errorf("list:\n%s", r.out)
	}

	r = e.mustRun(pin2+"\n", "target", "set-secret", "q", "--only", "public_link_pin", "--secret-stdin")
	if !strings.Contains(r.out, `stored public_link_pin for target "q"`) || strings.Contains(r.out, "stored api_key") {
		t.Errorf("set-secret --only output: %q", r.out)
	}
	if v, _ := (secrets.Keyring{}).Get("q", SecretLinkPin); v != pin2 {
		t.Error("set-secret --only public_link_pin did not replace the PIN")
	}
	if v, _ := (secrets.Keyring{}).Get("q", SecretAPIKey); v != key {
		t.Error("set-secret --only public_link_pin touched the API key")
	}
	r = e.run(context.Background(), "x\n", "target", "set-secret", "q", "--only", "jwt", "--secret-stdin")
	if r.code != ExitUsage || !strings.Contains(r.errOut, `has no secret "jwt"; its secrets are api_key, public_link_pin`) {
		t.Errorf("set-secret --only jwt: %d %q", r.code, r.errOut)
	}

	e.mustRun("", "target", "remove", "q")
	if _, err := (secrets.Keyring{}).Get("q", SecretLinkPin); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("link PIN left after remove: %v", err)
	}
}

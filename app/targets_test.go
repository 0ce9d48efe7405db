package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/secrets"
	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// newSandbox serves every API `ferry sandbox` serves on a free loopback port.
func newSandbox(t *testing.T, tls bool) *sandbox.Server {
	t.Helper()
	var apis []sandbox.API
	for _, s := range sandboxAPIs() {
		a, err := s.make()
		if err != nil {
			t.Fatal(err)
		}
		apis = append(apis, a)
	}
	srv, err := sandbox.New(sandbox.Config{Dir: t.TempDir(), TLS: tls, Strict: true, APIs: apis})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func TestEveryKindHasSecretsAndWiredProvidersBuild(t *testing.T) {
	for _, kind := range config.Kinds {
		spec, ok := kindSpecs[kind]
		if !ok {
			t.Errorf("kind %s has no entry in kindSpecs", kind)
			continue
		}
		if len(spec.secrets(config.Target{Kind: kind})) == 0 || len(spec.stored) == 0 || spec.build == nil {
			t.Errorf("kind %s names no secrets or has no constructor", kind)
		}
	}
	st := secrets.NewFile(t.TempDir() + "/s.toml")
	_, err := BuildProvider(config.Target{Name: "w", Kind: config.KindQuatrix, BaseURL: "https://q.example"}, st, BuildOptions{})
	if !errors.Is(err, secrets.ErrNotFound) || !strings.Contains(err.Error(), "ferry target set-secret w") {
		t.Errorf("missing secret: %v", err)
	}
}

// TestTargetTestAgainstSandbox proves `ferry target test` performs a real
// request: good credentials pass, a wrong one fails with an auth sentence,
// and neither value is printed.
func TestTargetTestAgainstSandbox(t *testing.T) {
	srv := newSandbox(t, true)
	base, pin := srv.BaseURL(), srv.CertFingerprint()
	qc, tc, sc := sandboxCreds(t, srv, "quatrix"), sandboxCreds(t, srv, "twake"), sandboxCreds(t, srv, "selfcommunity")
	e := newEnv(t)
	e.mustRun(qc["api-key"], "target", "add", "--name", "q", "--kind", "quatrix", "--url", base, "--tls-pin", pin, "--secret-stdin")
	e.mustRun(tc["token"], "target", "add", "--name", "tw", "--kind", "twake", "--url", base, "--tls-pin", pin,
		"--company-id", companyID(t, srv), "--secret-stdin")
	e.mustRun(sc["token"], "target", "add", "--name", "sc", "--kind", "selfcommunity", "--url", base, "--tls-pin", pin,
		"--recipients", sc["recipient"], "--secret-stdin")

	for _, name := range []string{"q", "tw", "sc"} {
		r := e.run(context.Background(), "", "target", "test", name)
		if r.code != ExitOK || !strings.Contains(r.out, "credentials: accepted by the server") || !strings.Contains(r.out, "uploads:") {
			t.Errorf("target test %s: exit %d\n%s%s", name, r.code, r.out, r.errOut)
		}
	}

	e.mustRun("wrong-key-0000", "target", "set-secret", "q", "--secret-stdin")
	r := e.run(context.Background(), "", "target", "test", "q")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "the server refused the credentials") {
		t.Errorf("wrong key: exit %d %q", r.code, r.errOut)
	}
	if strings.Contains(r.out+r.errOut, "wrong-key-0000") || strings.Contains(r.out+r.errOut, qc["api-key"]) {
		t.Errorf("a secret reached the output:\n%s%s", r.out, r.errOut)
	}

	// A provider without a Checker is built and described, and the user is
	// told no check exists rather than shown a false "accepted".
	fc := sandboxCreds(t, srv, "filesro")
	e.mustRun(fc["share-token"], "target", "add", "--name", "fr", "--kind", "filesro", "--url", base, "--tls-pin", pin, "--secret-stdin")
	frTarget := config.Target{Name: "fr", Kind: config.KindFilesRo, BaseURL: base, TLSPinSHA256: pin}
	p, err := BuildProvider(frTarget, secrets.Keyring{}, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, checks := p.(provider.Checker)
	r = e.run(context.Background(), "", "target", "test", "fr")
	switch {
	case !strings.Contains(r.out, "filesro at "+base):
		t.Errorf("filesro test output: %s", r.out)
	case checks && (r.code != ExitOK || !strings.Contains(r.out, "accepted by the server")):
		t.Errorf("filesro check: exit %d %s%s", r.code, r.out, r.errOut)
	case !checks && (r.code != ExitFailure || !strings.Contains(r.errOut, "cannot check credentials")):
		t.Errorf("filesro without a check: exit %d %s%s", r.code, r.out, r.errOut)
	}

	// Without the pin the self-signed certificate is refused: no global
	// "insecure" escape hatch exists.
	e.mustRun(tc["token"], "target", "add", "--no-test", "--name", "nopin", "--kind", "twake", "--url", base,
		"--company-id", companyID(t, srv), "--secret-stdin")
	if r := e.run(context.Background(), "", "target", "test", "nopin"); r.code != ExitFailure || !strings.Contains(r.errOut, "certificate") {
		t.Errorf("unpinned self-signed: exit %d %q", r.code, r.errOut)
	}
}

func companyID(t *testing.T, srv *sandbox.Server) string {
	t.Helper()
	for _, c := range srv.Credentials() {
		if c.API == "twake" {
			if _, id, ok := strings.Cut(c.Note, "company_id="); ok {
				return strings.TrimSuffix(strings.Fields(id)[0], ";")
			}
		}
	}
	t.Fatal("no twake company id in the sandbox credentials")
	return ""
}

func TestExplainCheck(t *testing.T) {
	auth := &provider.Error{Kind: provider.ErrAuth, Op: "check", Status: 401}
	if got := explainCheck(auth); !strings.Contains(got, "refused the credentials") || !strings.Contains(got, "HTTP 401") {
		t.Errorf("auth: %q", got)
	}
	if got := explainCheck(&provider.Error{Kind: provider.ErrRetryable, Op: "check", Status: 503}); !strings.Contains(got, "could not be reached") {
		t.Errorf("retryable: %q", got)
	}
}

// TestBuiltProvidersUpload proves each constructor entry maps the target's
// settings and secrets correctly: a provider built from config uploads a
// small file to the sandbox.
func TestBuiltProvidersUpload(t *testing.T) {
	srv := newSandbox(t, false)
	base := srv.BaseURL()
	st := secrets.NewFile(t.TempDir() + "/secrets.toml")
	set := func(target, name, v string) {
		if err := st.Set(target, name, v); err != nil {
			t.Fatal(err)
		}
	}
	set("q", SecretAPIKey, sandboxCreds(t, srv, "quatrix")["api-key"])
	set("tw", SecretJWT, sandboxCreds(t, srv, "twake")["token"])
	set("sc", SecretAccessToken, sandboxCreds(t, srv, "selfcommunity")["token"])
	set("fr", SecretShareToken, sandboxCreds(t, srv, "filesro")["share-token"])
	targets := []config.Target{
		{Name: "q", Kind: config.KindQuatrix, BaseURL: base},
		{Name: "tw", Kind: config.KindTwake, BaseURL: base, CompanyID: companyID(t, srv)},
		{Name: "sc", Kind: config.KindSelfCommunity, BaseURL: base},
		{Name: "fr", Kind: config.KindFilesRo, BaseURL: base},
	}
	data := []byte("hello ferry")
	for _, tg := range targets {
		t.Run(tg.Kind, func(t *testing.T) {
			p, err := BuildProvider(tg, st, BuildOptions{StateDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer closeProvider(p)
			caps := p.Capabilities()
			u := provider.Upload{
				Dir: []string{"ferry-test"}, Name: "hello.txt", RelPath: "ferry-test/hello.txt",
				Size: int64(len(data)), ChunkSize: caps.DefaultChunkSize, Conflict: caps.Conflicts[0],
			}
			ctx := context.Background()
			s, err := p.Begin(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.PutChunk(ctx, u.Chunk(0), bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			res, err := s.Finish(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Size != int64(len(data)) {
				t.Errorf("result size = %d", res.Size)
			}
			sum := sha256.Sum256(data)
			found := false
			for _, en := range srv.Tree(tg.Kind) {
				// Twake's files service stores by id and keeps the name in metadata.
				named := strings.HasSuffix(en.Path, "hello.txt") || en.Meta["name"] == "hello.txt"
				if named && en.SHA256 == hex.EncodeToString(sum[:]) {
					found = true
				}
			}
			if !found {
				t.Errorf("the sandbox holds no hello.txt with the uploaded bytes: %+v", srv.Tree(tg.Kind))
			}
		})
	}
}

// TestTargetAddTestsTheLogin proves `ferry target add` makes a real
// request before saving: a files.ro editor link passes without a file
// being stored, a visitor link is refused as read-only (not as a login
// problem) and nothing is saved, and --no-test saves it untested.
func TestTargetAddTestsTheLogin(t *testing.T) {
	srv := newSandbox(t, false)
	base := srv.BaseURL()
	fc := sandboxCreds(t, srv, "filesro")
	e := newEnv(t)
	r := e.mustRun(fc["share-token"], "target", "add", "--name", "editor", "--kind", "filesro", "--url", base, "--secret-stdin")
	if !strings.Contains(r.out, "login tested: the server accepted it") {
		t.Errorf("editor link: %s%s", r.out, r.errOut)
	}
	for _, en := range srv.Tree("filesro") {
		if strings.Contains(en.Path, "ferry-check") {
			t.Errorf("the test stored a file: %+v", en)
		}
	}

	visitor := ""
	for _, c := range srv.Credentials() {
		if c.API == "filesro" && c.Kind == "share-token" && c.Name == "visitor" {
			visitor = c.Value
		}
	}
	if visitor == "" {
		t.Fatal("no visitor share in the sandbox credentials")
	}
	r = e.run(t.Context(), visitor, "target", "add", "--name", "viewer", "--kind", "filesro", "--url", base, "--secret-stdin")
	if r.code != ExitFailure || !strings.Contains(r.errOut, "only allows viewing") || strings.Contains(r.errOut, "refused the credentials") ||
		!strings.Contains(r.errOut, "--no-test") || !strings.Contains(r.errOut, "nothing was saved") {
		t.Errorf("visitor link: exit %d %q", r.code, r.errOut)
	}
	if l := e.mustRun("", "target", "list"); strings.Contains(l.out, "viewer") {
		t.Errorf("a refused target was saved:\n%s", l.out)
	}
	r = e.mustRun(visitor, "target", "add", "--no-test", "--name", "viewer", "--kind", "filesro", "--url", base, "--secret-stdin")
	if !strings.Contains(r.out, "not tested (--no-test)") {
		t.Errorf("--no-test: %s", r.out)
	}
}

// A Quatrix target with link_pin needs the link_pin secret (the message
// says how to store that one alone), and the stored PIN reaches the
// provider: with public links off, the provider's own check refuses it.
func TestQuatrixLinkPinSecret(t *testing.T) {
	st := secrets.NewFile(t.TempDir() + "/s.toml")
	q := config.Target{Name: "w", Kind: config.KindQuatrix, BaseURL: "https://q.example", PublicLinks: true, LinkPin: true}
	if err := st.Set("w", SecretAPIKey, "k-1"); err != nil {
		t.Fatal(err)
	}
	_, err := BuildProvider(q, st, BuildOptions{})
	if !errors.Is(err, secrets.ErrNotFound) || !strings.Contains(err.Error(), "ferry target set-secret w --only public_link_pin") {
		t.Fatalf("missing link PIN: %v", err)
	}
	if err := st.Set("w", SecretLinkPin, "4711"); err != nil {
		t.Fatal(err)
	}
	if _, err := BuildProvider(q, st, BuildOptions{}); err != nil {
		t.Fatalf("with the PIN stored: %v", err)
	}
	q.PublicLinks = false // invalid in a config file; here it shows the PIN was passed on
	if _, err := BuildProvider(q, st, BuildOptions{}); err == nil || !strings.Contains(err.Error(), "link PIN needs public links") {
		t.Fatalf("PIN without public links: %v", err)
	}
}

package quatrix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	qsandbox "github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
	_ "github.com/rclone/rclone/backend/local"
	_ "github.com/rclone/rclone/backend/quatrix"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/config/configmap"
)

const (
	email  = "rclone@example.com"
	apiKey = "5b0a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
	// accountLimit is the sandbox account's storage (profile/info acc_limit).
	accountLimit = 10 << 30
)

// env is a running sandbox and what rclone needs to reach it.
type env struct {
	t    *testing.T
	srv  *sandbox.Server
	api  *qsandbox.API
	ctx  context.Context
	host string // host:port, what rclone's "host" option takes
}

// start runs a TLS sandbox serving Quatrix with its default (real-model)
// rules and a context whose rclone config trusts the sandbox's
// self-signed certificate. rclone's quatrix backend only speaks https
// (backend/quatrix/quatrix.go rootURL "https://%s/api/1.0/").
func start(t *testing.T) *env {
	t.Helper()
	api, err := qsandbox.New(qsandbox.Config{
		Users:        []qsandbox.User{{Email: email, Password: "pw-" + apiKey}},
		APIKeys:      []qsandbox.APIKey{{Key: apiKey, Email: email}},
		AccountLimit: accountLimit,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.New(sandbox.Config{Dir: t.TempDir(), TLS: true, APIs: []sandbox.API{api}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(srv.BaseURL())
	if err != nil || u.Scheme != "https" {
		t.Fatalf("sandbox URL %q: %v", srv.BaseURL(), err)
	}
	ca := filepath.Join(t.TempDir(), "sandbox.pem")
	if err := os.WriteFile(ca, srv.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	ctx, ci := fs.AddConfig(ctx)
	ci.CaCert = []string{ca}
	ci.LowLevelRetries = 2
	ci.Retries = 1
	ci.Transfers = 4
	ci.LogLevel = fs.LogLevelError // rclone logs every transfer at INFO
	return &env{t: t, srv: srv, api: api, ctx: ctx, host: u.Host}
}

// remote returns rclone's quatrix backend rooted at root, configured in
// memory as `rclone config` would store it (api_key and host), with small
// chunks so that files of a few hundred kB take several.
func (e *env) remote(root string) fs.Fs {
	e.t.Helper()
	ri, err := fs.Find("quatrix")
	if err != nil {
		e.t.Fatal(err)
	}
	m := fs.ConfigMap(ri.Prefix, ri.Options, "", configmap.Simple{
		"type": "quatrix", "api_key": apiKey, "host": e.host,
		"minimal_chunk_size": "100000B", "maximal_summary_chunk_size": "400000B",
	})
	f, err := ri.NewFs(e.ctx, "sandbox", root, m)
	if err != nil {
		e.t.Fatalf("rclone quatrix remote %q: %v", root, err)
	}
	return f
}

// local returns rclone's local backend at dir.
func (e *env) local(dir string) fs.Fs {
	e.t.Helper()
	f, err := fs.NewFs(e.ctx, dir)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// tree reads the server's store through the inspection API, as path
// below the user's home -> entry.
func (e *env) tree() map[string]sandbox.Entry {
	e.t.Helper()
	res, err := e.srv.Client().Get(e.srv.BaseURL() + "/_sandbox/tree?api=" + qsandbox.Name)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var entries []sandbox.Entry
	if err := json.NewDecoder(res.Body).Decode(&entries); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]sandbox.Entry{}
	prefix := "/" + email + "/"
	for _, en := range entries {
		if rel, ok := strings.CutPrefix(en.Path, prefix); ok && !strings.HasPrefix(rel, "Trash") {
			out[rel] = en
		}
	}
	return out
}

// requests counts the sandbox's logged requests whose path contains part.
func (e *env) requests(part string) int {
	e.t.Helper()
	n := 0
	for _, l := range e.srv.Log() {
		if strings.Contains(l.Path, part) {
			n++
		}
	}
	return n
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

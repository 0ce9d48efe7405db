package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
)

// addTarget runs `ferry target add` in f with the secrets on standard
// input, one per line, and the 1 MiB test chunk size; it fails the test
// unless the command exits 0 within 30s.
func addTarget(t *testing.T, f *ferrytest.Env, name, kind, url string, secrets []string, flags ...string) {
	t.Helper()
	args := append([]string{
		"target", "add", "--no-test", "--name", name, "--kind", kind, "--url", url,
		"--chunk-size", "1MiB", "--secret-stdin",
	}, flags...)
	f.MustRun(30*time.Second, strings.Join(secrets, "\n")+"\n", args...)
}

// uploadArgs is the upload command of every test: the tree below remote
// folder "e2e", plain progress lines.
func uploadArgs(target, tree string) []string {
	return []string{"upload", "--target", target, "--to", "e2e", "--progress", "plain", tree}
}

package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUploadFollowsTheRunningInstance: with the desktop app or `ferry
// watch` running, `ferry upload` hands its files over and still shows
// them finish and exits 0; a file that cannot go exits 1 with the reason
// (after --attempts); --no-wait returns once they are queued.
func TestUploadFollowsTheRunningInstance(t *testing.T) {
	e := newEnv(t)
	// A second target whose server does not answer.
	e.mustRun("tok\n", "target", "add", "--no-test", "--name", "down", "--kind", "filesro", "--url", "http://127.0.0.1:9", "--secret-stdin")
	g := newGUIEnv(t, e)
	if _, err := g.b.setupSandbox(freeAddr(t), false); err != nil {
		t.Fatal(err)
	}
	srv, err := listenEngineHandoff(g.b.rt, func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	writeFiles(t, e.dir, map[string]string{"f/one.txt": "1", "f/two.txt": "22", "x.txt": "x"})

	r := e.run(context.Background(), "", "upload", "--target", sandboxTarget, "--to", "in", filepath.Join(e.dir, "f"))
	if r.code != ExitOK || !strings.Contains(r.out, "uploaded f/one.txt") || !strings.Contains(r.out, "uploaded f/two.txt") ||
		!strings.Contains(r.out, "2 uploaded, 0 failed, 0 cancelled") {
		t.Fatalf("followed upload: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	if p := sandboxPaths(g.b); !hasSuffix(p, "/in/f/one.txt") {
		t.Errorf("not on the server: %v", p)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r = e.run(ctx, "", "upload", "--target", "down", "--attempts", "1", filepath.Join(e.dir, "x.txt"))
	if r.code != ExitFailure || !strings.Contains(r.out, "FAILED x.txt") || !strings.Contains(r.out, "0 uploaded, 1 failed") ||
		strings.Contains(r.out+r.errOut, "press Retry") {
		t.Errorf("a file that cannot go: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}

	start := time.Now()
	r = e.run(context.Background(), "", "upload", "--no-wait", "--target", "down", "--force", filepath.Join(e.dir, "x.txt"))
	if r.code != ExitOK || !strings.Contains(r.out, "handed 1 file(s) for down") || time.Since(start) > 10*time.Second {
		t.Errorf("--no-wait: exit %d after %s\n%s\n%s", r.code, time.Since(start), r.out, r.errOut)
	}
}

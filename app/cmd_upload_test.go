package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Against a server that is down, `ferry upload` gives up after --attempts
// failed attempts with a non-zero exit and the file left queued, instead
// of retrying forever; the next run picks the file up again.
func TestUploadGivesUpOnAServerThatIsDown(t *testing.T) {
	e := newEnv(t)
	e.vars["FERRY_SECRETS"] = "file:" + filepath.Join(e.dir, "secrets")
	e.mustRun("share-token\n", "target", "add", "--no-test", "--name", "down", "--kind", "filesro", "--url", "http://"+freeAddr(t), "--secret-stdin")
	file := filepath.Join(e.dir, "a.txt")
	if err := os.WriteFile(file, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		r := e.run(ctx, "", "upload", "--attempts", "1", "--progress", "none", file)
		timedOut := ctx.Err() != nil
		cancel()
		if timedOut {
			t.Fatalf("run %d: upload did not give up within a minute", run+1)
		}
		if r.code != ExitFailure || !strings.Contains(r.errOut, "not uploaded: a.txt: waiting") ||
			!strings.Contains(r.out, "0 uploaded, 1 failed") {
			t.Fatalf("run %d: exit %d\nstdout: %s\nstderr: %s", run+1, r.code, r.out, r.errOut)
		}
	}
	if r := e.run(context.Background(), "", "upload", "--attempts", "-1", file); r.code != ExitUsage {
		t.Fatalf("--attempts -1: exit %d, want usage error", r.code)
	}
}

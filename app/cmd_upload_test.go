package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Against a server that is down, `ferry upload` gives up after --attempts
// failed attempts with a non-zero exit and the file left queued, instead
// of retrying forever, and says why in one line for the target; the next
// run picks the file up again.
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
		if r.code != ExitFailure || !strings.Contains(r.errOut, "not uploaded: 1 file(s) to down: the server could not be reached") ||
			!strings.Contains(r.out, "0 uploaded, 1 failed") {
			t.Fatalf("run %d: exit %d\nstdout: %s\nstderr: %s", run+1, r.code, r.out, r.errOut)
		}
	}
	if r := e.run(context.Background(), "", "upload", "--attempts", "-1", file); r.code != ExitUsage {
		t.Fatalf("--attempts -1: exit %d, want usage error", r.code)
	}
}

// With many files and a server nobody can reach, `ferry upload` does not
// try them one by one: one file tries again after each pause, the others
// keep their attempts, and the summary says why in one line, not one line
// per file.
func TestUploadToAnUnreachableServerTriesOneFileAtATime(t *testing.T) {
	const files = 30
	e := newEnv(t)
	e.vars["FERRY_SECRETS"] = "file:" + filepath.Join(e.dir, "secrets")
	e.mustRun("share-token\n", "target", "add", "--no-test", "--name", "down", "--kind", "filesro", "--url", "http://"+freeAddr(t), "--secret-stdin")
	dir := filepath.Join(e.dir, "photos")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("p%02d.jpg", i)), []byte{byte(i)}, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := e.run(ctx, "", "upload", "--attempts", "2", "--progress", "none", dir)
	if ctx.Err() != nil {
		t.Fatal("upload did not give up within a minute")
	}
	want := fmt.Sprintf("not uploaded: %d file(s) to down: the server could not be reached (2 attempt(s) since ", files)
	if r.code != ExitFailure || !strings.Contains(r.errOut, want) || strings.Count(r.errOut, "not uploaded:") != 1 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s\nwant one line: %s", r.code, r.out, r.errOut, want)
	}
	log, err := os.ReadFile(filepath.Join(e.vars["FERRY_DATA_DIR"], "logs", "ferry.log"))
	if err != nil {
		t.Fatal(err)
	}
	// The first round takes one file per worker (4); then one file a try.
	if n := strings.Count(string(log), "upload did not complete"); n > 4+2 {
		t.Errorf("%d attempts failed for a server that could not be reached twice in a row: the files were tried one by one\n%s", n, log)
	}
}

// When every file fails for the same reason (here a Twake token that is
// not a JWT at all), the summary names the first few files and counts the
// rest in one line, instead of repeating the reason once per file.
func TestUploadSummaryCountsRepeatedReasons(t *testing.T) {
	const files = 8
	e := newEnv(t)
	e.vars["FERRY_SECRETS"] = "file:" + filepath.Join(e.dir, "secrets")
	e.mustRun("not-a-jwt\n", "target", "add", "--no-test", "--name", "drive", "--kind", "twake", "--url", "http://"+freeAddr(t),
		"--company-id", "00000000-0000-0000-0000-000000000001", "--secret-stdin")
	dir := filepath.Join(e.dir, "docs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("d%d.txt", i)), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := e.run(context.Background(), "", "upload", "--progress", "none", dir)
	named := strings.Count(r.errOut, "not uploaded: docs/")
	more := fmt.Sprintf("not uploaded: %d more file(s) for the same reason: failed (", files-sameReasonLines)
	if r.code != ExitFailure || named != sameReasonLines || !strings.Contains(r.errOut, more) || !strings.Contains(r.errOut, "not a JWT") {
		t.Fatalf("exit %d, %d files named\nstdout: %s\nstderr: %s\nwant %d named and: %s", r.code, named, r.out, r.errOut, sameReasonLines, more)
	}
}

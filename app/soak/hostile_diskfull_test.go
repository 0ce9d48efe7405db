package soak

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestHostileQueueDiskFull runs `ferry upload` of 3,000 files while the
// queue database cannot grow (a file size limit of 64 KiB stands in for a
// full disk: the same failed growth, EFBIG instead of ENOSPC). Defined
// outcome: exit 1 with one line naming the queue file and the system's
// reason, nothing half-written (the batch is one transaction), and the
// same data dir works normally once there is room again.
func TestHostileQueueDiskFull(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to set the file size limit with ulimit")
	}
	dir := t.TempDir()
	sb := startSandbox(t, dir, "")
	env := ferrytest.NewEnv(t, dir)
	env.MustRun(cmdTimeout, sb.MustCredential("quatrix", "api-key", "user@example.com")+"\n",
		"target", "add", "--no-test", "--name", "q", "--kind", "quatrix", "--url", sb.Base, "--secret-stdin")

	many := filepath.Join(dir, "many")
	if err := os.Mkdir(many, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		if err := os.WriteFile(filepath.Join(many, fmt.Sprintf("file-with-a-longish-name-%04d.txt", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// ulimit -f counts 512-byte blocks: 128 is 64 KiB.
	cmd := env.Command("upload", "--target", "q", "--progress", "none", many)
	limited := exec.Command("sh", "-c", `ulimit -f 128 && exec "$@"`, "sh")
	limited.Args = append(limited.Args, cmd.Args...)
	limited.Env = cmd.Env
	out, err := limited.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("upload with a full queue disk: %v, want exit 1\n%s", err, out)
	}
	queueFile := filepath.Join(env.Data, "queue.db")
	if !strings.Contains(string(out), "ferry: ") || !strings.Contains(string(out), queueFile) ||
		!strings.Contains(string(out), "file too large") {
		t.Errorf("the message does not name the queue file and the reason:\n%s", out)
	}
	if strings.Contains(string(out), "panic") || strings.Contains(string(out), "goroutine ") {
		t.Fatalf("crashed:\n%s", out)
	}

	q, err := queue.Open(queueFile, queue.Options{})
	if err != nil {
		t.Fatalf("the queue does not open after the failed batch: %v", err)
	}
	counts, err := q.Counts()
	if err != nil {
		t.Fatal(err)
	}
	for state, n := range counts {
		if n != 0 {
			t.Errorf("%d jobs %v left by the failed batch: it was not one transaction", n, state)
		}
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	// With room again, the same data dir uploads normally.
	few := filepath.Join(dir, "few")
	if err := os.Mkdir(few, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := os.WriteFile(filepath.Join(few, fmt.Sprintf("f%d.txt", i)), []byte("after the disk was full"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env.MustRun(cmdTimeout, "", "upload", "--target", "q", "--progress", "none", few)
	tree, err := sb.Tree("")
	if err != nil {
		t.Fatal(err)
	}
	uploaded := 0
	for _, e := range tree {
		if e.API == "quatrix" && strings.Contains(e.Path, "/few/f") {
			uploaded++
		}
	}
	if uploaded != 3 {
		t.Errorf("%d of 3 files uploaded after the disk had room again", uploaded)
	}
}

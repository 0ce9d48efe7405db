package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// "Retry now" on a paused row resumes it (paused on its own) or says why
// not (all uploads paused), instead of doing nothing.
func TestRetryOnAPausedRow(t *testing.T) {
	e := newEnv(t)
	e.vars[EnvSecrets] = "file:" + filepath.Join(e.dir, "secrets")
	if r := e.run(t.Context(), "tok\n", "target", "add", "--no-test", "--name", "s", "--kind", "filesro", "--url", "http://127.0.0.1:9", "--secret-stdin"); r.code != 0 {
		t.Fatalf("target add: %+v", r)
	}
	g := newGUIEnv(t, e)
	if err := g.b.PauseAll(time.Time{}); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, e.dir, map[string]string{"f.txt": "x"})
	if _, err := g.b.Upload([]string{filepath.Join(e.dir, "f.txt")}, "s", ""); err != nil {
		t.Fatal(err)
	}
	items := g.b.Items()
	if len(items) != 1 {
		t.Fatalf("items %+v", items)
	}
	id := items[0].ID
	if err := g.b.Retry(id); err == nil || !strings.Contains(err.Error(), "Resume all") {
		t.Fatalf("retry while all paused: %v", err)
	}
	if err := g.b.ResumeAll(); err != nil {
		t.Fatal(err)
	}
	if err := g.b.rt.engine.Pause(queue.JobID(id)); err != nil {
		t.Fatal(err)
	}
	if err := g.b.Retry(id); err != nil {
		t.Fatalf("retry of a paused row: %v", err)
	}
	if j, err := g.b.rt.q.Get(queue.JobID(id)); err == nil && j.State == queue.Paused {
		t.Fatal("the paused row is still paused after Retry now")
	}
}

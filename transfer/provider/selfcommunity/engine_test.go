package selfcommunity

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
	scsandbox "github.com/ferry-sync/ferry/transfer/sandbox/selfcommunity"
)

// A small file sent as a private message costs the engine three queue
// commits: the file's uuid saved before done (provider.Checkpoint), the
// state saved after done (SaveBeforeFinish, so a restart goes straight to
// the messages), and the finish, which claims the next file in the same
// commit. Nothing is saved after Begin (BeginNeedsNoSave): Begin sends
// nothing, and parts without done never become a file. Each file reaches
// the recipient as its two messages.
func TestEngineSmallFileCommits(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	p := newProvider(t, s.srv.BaseURL(), func(c *Config) { c.Recipients = []int64{12} })
	root := t.TempDir()
	old := time.Now().Add(-time.Hour)
	const n = 12
	var jobs []queue.Job
	for i := range n {
		rel := fmt.Sprintf("docs/f%02d.bin", i)
		path := filepath.Join(root, filepath.FromSlash(rel))
		data := randomData(1000+i, byte(i))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, old, old); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, queue.Job{Target: "t", Origin: "upload", Root: root, RelPath: rel, Size: int64(len(data)), ModTime: old})
	}
	q, err := queue.Open(filepath.Join(t.TempDir(), "queue.db"), queue.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	e := transfer.New(q, transfer.TargetFunc(func(context.Context, string) (provider.Provider, transfer.TargetSettings, error) {
		return p, transfer.TargetSettings{}, nil
	}), transfer.Options{Parallel: 1, CommitQuiet: time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ids, err := e.Enqueue(jobs...)
	if err != nil {
		t.Fatal(err)
	}
	_, before := q.Transactions()
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.Run(c) }()
	if err := e.WaitIdle(c, ids...); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	_, after := q.Transactions()
	// One slot: per file the two saves and the finish with the next
	// claim, plus the first claim and the claims made ahead of the first
	// file (aheadDepth), each a commit of its own. Saved after Begin too,
	// it was 51.
	t.Logf("%d queue commits for %d small files", after-before, n)
	if got, most := after-before, int64(3*n+4); got > most {
		t.Errorf("%d queue commits for %d small files, want at most %d (3 a file)", got, n, most)
	}
	var files, texts int
	for _, m := range s.api.Messages() {
		switch {
		case m.FileUUID != "":
			files++
		case m.Text != "":
			texts++
		}
	}
	if files != n || texts != n {
		t.Errorf("%d file messages and %d texts, want %d of each", files, texts, n)
	}
}

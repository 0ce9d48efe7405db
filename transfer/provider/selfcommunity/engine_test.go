package selfcommunity

import (
	"fmt"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/enginetest"
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
	const n = 12
	var jobs []queue.Job
	for i := range n {
		jobs = append(jobs, enginetest.QuietFile(t, root, fmt.Sprintf("docs/f%02d.bin", i), "", randomData(1000+i, byte(i))))
	}
	e, q := enginetest.New(t, p, transfer.Options{Parallel: 1, CommitQuiet: time.Millisecond})
	ids, err := e.Enqueue(jobs...)
	if err != nil {
		t.Fatal(err)
	}
	_, before := q.Transactions()
	enginetest.RunUntilIdle(t, e, 60*time.Second, ids...)
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

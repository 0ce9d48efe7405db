package filesro

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/enginetest"
	"github.com/ferry-sync/ferry/transfer/queue"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// TestEngineOneAttemptAgainstMuteServer is issue #18 item 2 end to end:
// `ferry upload --attempts 1` against a server that reads the request and
// never answers (or trickles its status line, or its body after the
// headers, where only the engine's stall watchdog can stop it) must end:
// the engine sends
// the file once, the attempt counts, and the job waits with a reason that
// says the file may be stored. Bounded: provider timeout 1s, stall 2s.
func TestEngineOneAttemptAgainstMuteServer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trickle time.Duration
		body    bool
	}{{"mute", 0, false}, {"trickle", 300 * time.Millisecond, false}, {"trickle body", 300 * time.Millisecond, true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newSilentServer(t, tc.trickle, tc.body)
			p, err := New(Config{BaseURL: "http://" + srv.ln.Addr().String(), Token: "ShareTokenABCDEF", Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			job := enginetest.QuietFile(t, t.TempDir(), "f.bin", "dir", randomData(5000, 2))
			e, q := enginetest.New(t, p, transfer.Options{
				StallTimeout:   2 * time.Second,
				CommitQuiet:    time.Millisecond,
				RequestBackoff: transfer.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond},
			})
			ids, err := e.Enqueue(job)
			if err != nil {
				t.Fatal(err)
			}
			c, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- e.Run(c) }()
			start := time.Now()
			if err := e.WaitSettled(c, 1, ids...); err != nil {
				t.Fatalf("the job did not settle after one attempt: %v (after %v)", err, time.Since(start))
			}
			j, err := q.Get(ids[0])
			if err != nil {
				t.Fatal(err)
			}
			cancel()
			<-done
			if j.State != queue.Waiting || j.Attempts != 1 || !strings.Contains(j.ErrMsg, "may be stored") {
				t.Fatalf("job %v attempts %d: %q; want waiting after 1 attempt, saying the file may be stored", j.State, j.Attempts, j.ErrMsg)
			}
			if n := srv.requests.Load(); n != 1 {
				t.Fatalf("the server got the file %d times in one attempt, want 1", n)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Fatalf("one attempt took %v", d)
			}
		})
	}
}

// TestEngineManyNewFoldersEachMadeOnce: the engine's four slots upload 30
// new folders of 4 files each into a sandbox that models the real
// server's unlocked lookup-then-create of folders. The claims pass over
// jobs whose folder another upload is making (provider.FolderMaker), so
// several folders are made at once; each must still be made exactly once,
// with all its files in it.
func TestEngineManyNewFoldersEachMadeOnce(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{})
	p := tb.provider("editor")
	root := t.TempDir()
	var jobs []queue.Job
	for d := range 30 {
		for f := range 4 {
			rel := fmt.Sprintf("top/d%02d/f%d.bin", d, f)
			jobs = append(jobs, enginetest.QuietFile(t, root, rel, "up", randomData(1000+d*4+f, uint64(d*4+f))))
		}
	}
	e, _ := enginetest.New(t, p, transfer.Options{Parallel: 4, CommitQuiet: time.Millisecond})
	ids, err := e.Enqueue(jobs...)
	if err != nil {
		t.Fatal(err)
	}
	enginetest.RunUntilIdle(t, e, 60*time.Second, ids...)
	folders := map[string]int{}
	for _, en := range tb.srv.Tree("filesro") {
		if en.Kind == sandbox.KindFolder && strings.HasPrefix(en.Path, "/editor/") {
			folders[en.Path]++
		}
	}
	if len(folders) != 32 { // up, up/top and 30 below it
		t.Errorf("%d folder paths, want 32: %v", len(folders), folders)
	}
	for path, n := range folders {
		if n != 1 {
			t.Errorf("folder %s made %d times", path, n)
		}
	}
	for _, j := range jobs {
		want := "/editor/up/" + j.RelPath
		if en, ok := tb.stored(want); !ok || en.Size != j.Size {
			t.Errorf("%s: stored %v (%+v), want %d bytes", want, ok, en, j.Size)
		}
	}
	if n := len(tb.files()); n != len(jobs) {
		t.Errorf("%d files stored, want %d", n, len(jobs))
	}
}

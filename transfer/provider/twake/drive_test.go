package twake

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
)

// finishRetrying calls Finish again while it fails retryably, as the
// engine does, at most tries times, each call cancelled after stall (the
// engine's stall watchdog) when stall > 0.
func finishRetrying(t *testing.T, s provider.Session, tries int, stall time.Duration) (provider.Result, error) {
	t.Helper()
	for i := 1; ; i++ {
		c := ctx(t)
		if stall > 0 {
			var cancel context.CancelFunc
			c, cancel = context.WithTimeout(c, stall)
			defer cancel()
		}
		res, err := s.Finish(c)
		if errors.Is(err, context.DeadlineExceeded) {
			err = &provider.Error{Kind: provider.ErrRetryable, Op: "finish", Message: "stalled", Err: err}
		}
		if err == nil || kindOf(err) != provider.ErrRetryable || i == tries {
			return res, err
		}
	}
}

// A one-chunk file's Drive registration makes the real server wait for
// the file's preview before it answers. The provider sends the create
// detached, with a client that outwaits the server; a Finish waits for it
// up to PreviewWait, and the next Finish waits for that same request. Either way there is one item, never
// a "-2" duplicate, though every Finish is cut by a stall watchdog shorter
// than the server's hold. Before, the create ran into the 60 s header
// timeout (here 1 s, a third of the hold: short enough to be cut, long
// enough for a chunk on a loaded machine) or the watchdog, and its retry
// created a second item.
func TestDriveRegistrationWaitsForPreview(t *testing.T) {
	for _, tc := range []struct {
		name               string
		previewWait, stall time.Duration
		finishes           int
	}{
		{"one Finish outwaits the hold", 6 * time.Second, 0, 1},
		{"the hold outlasts several Finish calls", 200 * time.Millisecond, 450 * time.Millisecond, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startSandboxWith(t, sbtwake.Config{PreviewDelay: 3 * time.Second, PollUnit: 20 * time.Millisecond}, nil)
			p := ts.provider(t, func(c *Config) {
				c.DriveFolders, c.Timeout, c.PreviewWait = true, time.Second, tc.previewWait
			})
			f := newTestFile("photo.jpg", 1000, "Pictures")
			s, err := p.Begin(ctx(t), f.u)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.putParallel(t, s, 1, []int{0}); err != nil {
				t.Fatal(err)
			}
			res, err := finishRetrying(t, s, tc.finishes, tc.stall)
			if err != nil {
				t.Fatalf("finish: %v", err)
			}
			if got := ts.driveFiles(); len(got) != 1 || res.RemotePath != "Pictures/photo.jpg" {
				t.Fatalf("drive files %v, result %+v", got, res)
			}
			if n := ts.count(sbtwake.RouteItemPost); n != 2 { // the folder and the file
				t.Fatalf("%d creates, want 2", n)
			}
		})
	}
}

// uploadDirect stores a file in Drive folder dir with a provider straight
// on the sandbox and returns the store id (= Drive id) of its item.
func uploadDirect(t *testing.T, ts *testServer, name string, dir ...string) string {
	t.Helper()
	if err := newTestFile(name, 100, dir...).upload(t, ts.provider(t, func(c *Config) { c.DriveFolders = true })); err != nil {
		t.Fatal(err)
	}
	path := "/drive/" + strings.Join(append(dir, name), "/")
	for _, e := range ts.srv.Tree(sbtwake.Name) {
		if e.Path == path {
			return e.ID
		}
	}
	t.Fatalf("no item %s", path)
	return ""
}

// Drive answers every failed create with the same 500; the provider tries
// a bounded number of times, then gives up with the reason in words.
// Here the target's Drive root is a file item: the listing works, every
// create fails. Before, each 500 was an endless retryable error.
func TestDriveCreate500IsBounded(t *testing.T) {
	ts := startSandbox(t, func(c *sandbox.Config) { c.Strict = false })
	fileItem := uploadDirect(t, ts, "not-a-folder.txt")
	p := ts.provider(t, func(c *Config) { c.DriveFolders, c.DriveRootID = true, fileItem })
	before := ts.count(sbtwake.RouteItemPost)
	_, err := p.Begin(ctx(t), newTestFile("x.bin", 10, "sub").u)
	if kindOf(err) != provider.ErrPermanent || !strings.Contains(err.Error(), "answers 500 for any failure") {
		t.Fatalf("folder under a file item: %v", err)
	}
	if n := ts.count(sbtwake.RouteItemPost) - before; n != maxCreateAttempts {
		t.Fatalf("%d folder creates, want %d", n, maxCreateAttempts)
	}
	// The same for a file item.
	before = ts.count(sbtwake.RouteItemPost)
	f := newTestFile("y.bin", 10)
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.putParallel(t, s, 1, []int{0}); err != nil {
		t.Fatal(err)
	}
	if _, err := finishRetrying(t, s, 5, 0); kindOf(err) != provider.ErrPermanent || !strings.Contains(err.Error(), "check the folder") {
		t.Fatalf("file item under a file item: %v", err)
	}
	if n := ts.count(sbtwake.RouteItemPost) - before; n != maxCreateAttempts {
		t.Fatalf("%d file item creates, want %d", n, maxCreateAttempts)
	}
}

// The documents routes authenticate optionally: a token the server
// rejects reads as "no access" (401 from the access check, not "Bad
// credentials"). The provider reports it as an auth error that says so.
func TestDriveBadTokenIsAuth(t *testing.T) {
	ts := startSandbox(t, func(c *sandbox.Config) { c.Strict = false })
	p := ts.provider(t, func(c *Config) {
		c.DriveFolders, c.Token = true, foreignToken(t, ts.api.UserID(), time.Now().Add(time.Hour))
	})
	_, err := p.folders.resolve(ctx(t), []string{"d"})
	if kindOf(err) != provider.ErrAuth || !strings.Contains(err.Error(), "Twake Drive denied access to folder \"root\"") {
		t.Fatalf("bad token on Drive: %v", err)
	}
}

// The trash flag is is_in_trash (the DriveFile column): a trashed item is
// never taken for the wanted folder.
func TestDriveTrashFlag(t *testing.T) {
	var item api.DriveItem
	if err := json.Unmarshal([]byte(`{"id":"x","parent_id":"root","name":"d","is_directory":true,"is_in_trash":true}`), &item); err != nil || !item.IsInTrash {
		t.Fatalf("is_in_trash not read: %+v %v", item, err)
	}
}

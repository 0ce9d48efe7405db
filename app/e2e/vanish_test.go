package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"

	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
)

// copyWithStamp copies from to to (same bytes) and gives the copy from's
// mtime, as `cp -p` or a file manager does.
func copyWithStamp(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(to, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
}

// vanishScenario watches two folders of one target that share the remote
// folder "w", waits until their files are on the server, then, while
// watching: copies w's a.txt to copied.txt and deletes a.txt (one
// server-side move, no data); writes lookalike.txt with other.txt's size
// and mtime but other bytes and deletes other.txt (an upload, no move);
// copies the second folder's v.txt into w as from-v.txt and deletes v.txt
// there (an upload: a removal seen by another folder's watcher never
// pairs).
func vanishScenario(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env, tg target, moveRoute string) {
	t.Helper()
	dir, vdir := t.TempDir(), t.TempDir()
	for i, w := range []struct {
		dir, rel string
		size     int64
	}{{dir, "a.txt", 300_000}, {dir, "keep.txt", 1000}, {dir, "other.txt", 2000}, {vdir, "v.txt", 3000}} {
		if _, err := writeFile(filepath.Join(w.dir, w.rel), uint64(i+1), w.size); err != nil {
			t.Fatal(err)
		}
	}
	f.MustRun(30*time.Second, "", "folder", "add", "--name", "w", "--path", dir, "--target", tg.name, "--remote-dir", "w")
	f.MustRun(30*time.Second, "", "folder", "add", "--name", "v", "--path", vdir, "--target", tg.name, "--remote-dir", "w")
	p := f.Start("watch")
	defer func() {
		if err := p.Stop(os.Interrupt, 10*time.Second); err != nil {
			t.Logf("watch: %v", err)
		}
	}()
	before := []string{"w/a.txt", "w/keep.txt", "w/other.txt", "w/v.txt"}
	waitTree(t, s, tg, before, p)
	if !p.WaitUntil(settleTimeout, func() bool { return strings.Count(p.Stdout(), " uploaded ") == len(before) }) {
		t.Fatalf("ferry watch did not report %d uploads:\n%s", len(before), p.Stdout())
	}
	logAt := len(s.MustLog())

	copyWithStamp(t, filepath.Join(dir, "a.txt"), filepath.Join(dir, "copied.txt"))
	if err := os.Remove(filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.txt")
	fi, err := os.Stat(other)
	if err != nil {
		t.Fatal(err)
	}
	look := filepath.Join(dir, "lookalike.txt")
	if _, err := writeFile(look, 99, fi.Size()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(look, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(other); err != nil {
		t.Fatal(err)
	}
	copyWithStamp(t, filepath.Join(vdir, "v.txt"), filepath.Join(dir, "from-v.txt"))
	if err := os.Remove(filepath.Join(vdir, "v.txt")); err != nil {
		t.Fatal(err)
	}

	// Deletes are not mirrored: other.txt and v.txt stay on the server.
	after := []string{"w/copied.txt", "w/from-v.txt", "w/keep.txt", "w/lookalike.txt", "w/other.txt", "w/v.txt"}
	if !waitFor(s, tg, after, p) {
		var routes []string
		for _, e := range s.MustLog()[logAt:] {
			if e.API == tg.api {
				routes = append(routes, fmt.Sprintf("%s %d", e.Route, e.Status))
			}
		}
		t.Fatalf("remote tree = %q, want %q; requests after the changes:\n  %s\nferry watch printed:\n%s\n%s",
			remotePaths(t, s, tg), after, strings.Join(routes, "\n  "), lastLines(p.Stdout(), 20), lastLines(p.Stderr(), 20))
	}
	// One more quiet period: nothing else may follow.
	time.Sleep(5 * time.Second)
	moves, data := 0, 0
	for _, e := range s.MustLog()[logAt:] {
		switch {
		case e.API != tg.api:
		case e.Route == moveRoute:
			moves++
		case e.Route == tg.dataRoute:
			data++
		}
	}
	// One move (copied.txt) and one data request each for lookalike.txt
	// and from-v.txt (both below one chunk).
	if moves != 1 || data != 2 {
		t.Errorf("after the changes: %d server-side moves, %d data requests; want 1 and 2\nferry watch printed:\n%s",
			moves, data, lastLines(p.Stdout(), 20))
	}
	if got := remotePaths(t, s, tg); !slices.Equal(got, after) {
		t.Errorf("remote tree after the changes = %q, want %q", got, after)
	}
}

func TestWatchCopyThenDeleteMovesOnQuatrix(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--tls", "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	vanishScenario(t, s, f, quatrixTarget(t, s, f, false), "POST /api/1.0/file/moveone")
}

func TestWatchCopyThenDeleteMovesOnTwakeDrive(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	vanishScenario(t, s, f, twakeTarget(t, s, f, true), sbtwake.RouteItemUpdate)
}

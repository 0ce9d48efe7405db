package e2e

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"

	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
)

// settleTimeout bounds how long a watched change takes to reach the server
// (two quiet periods of 2 s, then the upload or move).
const settleTimeout = 60 * time.Second

// moveCase is one service's expectations for renames in a watched folder.
type moveCase struct {
	tg         target
	moveRoute  string // the route of a server-side move; "" when the service has none
	wantMoves  int    // server-side moves for one file rename and one folder rename
	wantUpload int    // data requests after the renames (new uploads)
	// after is the remote tree expected after the renames (paths below
	// the remote folder "w").
	after []string
}

// renameScenario watches a folder with `ferry watch`, waits until its four
// files are on the server, renames one file and one folder, and checks the
// server's tree and request log: where the service can move, one
// server-side move per rename and no data request after them.
func renameScenario(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env, mc moveCase) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]int64{"keep.txt": 1000, "a.txt": 300_000, "dir/b.txt": 2000, "dir/sub/c.txt": 3000}
	for i, rel := range slices.Sorted(maps.Keys(files)) {
		if _, err := writeFile(filepath.Join(dir, filepath.FromSlash(rel)), uint64(i+1), files[rel]); err != nil {
			t.Fatal(err)
		}
	}
	f.MustRun(30*time.Second, "", "folder", "add", "--name", "w", "--path", dir, "--target", mc.tg.name, "--remote-dir", "w")
	p := f.Start("watch")
	defer func() {
		if err := p.Stop(os.Interrupt, 10*time.Second); err != nil {
			t.Logf("watch: %v", err)
		}
	}()
	before := []string{"w/a.txt", "w/dir/b.txt", "w/dir/sub/c.txt", "w/keep.txt"}
	waitTree(t, s, mc.tg, before, p)
	// The server shows a file before Ferry has recorded its upload: a
	// rename in between is a new file to Ferry. Wait for the records.
	if !p.WaitUntil(settleTimeout, func() bool { return strings.Count(p.Stdout(), " uploaded ") == len(before) }) {
		t.Fatalf("ferry watch did not report %d uploads:\n%s", len(before), p.Stdout())
	}
	logAt := len(s.MustLog())

	if err := os.Rename(filepath.Join(dir, "a.txt"), filepath.Join(dir, "renamed.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "dir"), filepath.Join(dir, "dir2")); err != nil {
		t.Fatal(err)
	}
	if !waitFor(s, mc.tg, mc.after, p) {
		var routes []string
		for _, e := range s.MustLog()[logAt:] {
			if e.API == mc.tg.api {
				routes = append(routes, fmt.Sprintf("%s %d", e.Route, e.Status))
			}
		}
		t.Fatalf("remote tree = %q, want %q; requests after the renames:\n  %s\nferry watch printed:\n%s\n%s",
			remotePaths(t, s, mc.tg), mc.after, strings.Join(routes, "\n  "), lastLines(p.Stdout(), 20), lastLines(p.Stderr(), 20))
	}
	// One more quiet period: nothing else may follow.
	time.Sleep(5 * time.Second)
	after := s.MustLog()[logAt:]
	moves, data := 0, 0
	for _, e := range after {
		switch {
		case e.API != mc.tg.api:
		case mc.moveRoute != "" && e.Route == mc.moveRoute:
			moves++
		case e.Route == mc.tg.dataRoute:
			data++
		}
	}
	if moves != mc.wantMoves || data != mc.wantUpload {
		t.Errorf("after the renames: %d server-side moves, %d data requests; want %d and %d", moves, data, mc.wantMoves, mc.wantUpload)
	}
	if got := remotePaths(t, s, mc.tg); !slices.Equal(got, mc.after) {
		t.Errorf("remote tree after the renames = %q, want %q", got, mc.after)
	}
}

// waitFor reports whether the remote tree came to hold exactly want.
func waitFor(s *ferrytest.Sandbox, tg target, want []string, p *ferrytest.Proc) bool {
	return p.WaitUntil(settleTimeout, func() bool {
		files, _ := tg.layout(s.MustTree(tg.api))
		var got []string
		for _, f := range files {
			got = append(got, f.Path)
		}
		slices.Sort(got)
		return slices.Equal(got, want)
	})
}

// waitTree waits until the remote tree holds exactly want.
func waitTree(t *testing.T, s *ferrytest.Sandbox, tg target, want []string, p *ferrytest.Proc) {
	t.Helper()
	var got []string
	if !p.WaitUntil(settleTimeout, func() bool {
		got = remotePaths(t, s, tg)
		return slices.Equal(got, want)
	}) {
		t.Fatalf("remote tree = %q, want %q; ferry watch printed:\n%s\n%s", got, want, lastLines(p.Stdout(), 20), lastLines(p.Stderr(), 20))
	}
}

// remotePaths lists the complete files of tg's tree, sorted.
func remotePaths(t *testing.T, s *ferrytest.Sandbox, tg target) []string {
	t.Helper()
	files, _ := tg.layout(s.MustTree(tg.api))
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	slices.Sort(out)
	return out
}

// movedTree is the tree after renaming a.txt to renamed.txt and dir to dir2.
var movedTree = []string{"w/dir2/b.txt", "w/dir2/sub/c.txt", "w/keep.txt", "w/renamed.txt"}

func TestWatchRenameMovesOnQuatrix(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--tls", "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	renameScenario(t, s, f, moveCase{
		tg: quatrixTarget(t, s, f, false), moveRoute: "POST /api/1.0/file/moveone",
		wantMoves: 2, after: movedTree,
	})
}

func TestWatchRenameMovesOnTwakeDrive(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	renameScenario(t, s, f, moveCase{
		tg: twakeTarget(t, s, f, true), moveRoute: sbtwake.RouteItemUpdate,
		wantMoves: 2, after: movedTree,
	})
}

// files.ro shares have no move: a renamed file is uploaded again under its
// new name and the old copy stays (the README's scope says so).
func TestWatchRenameUploadsAgainOnFilesro(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	old := []string{"w/a.txt", "w/dir/b.txt", "w/dir/sub/c.txt", "w/keep.txt"}
	after := slices.Sorted(slices.Values(append(slices.Clone(old), movedTree[:2]...)))
	after = append(after, "w/renamed.txt")
	slices.Sort(after)
	renameScenario(t, s, f, moveCase{tg: filesroTarget(t, s, f), wantUpload: 3, after: after})
}

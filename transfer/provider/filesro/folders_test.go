package filesro

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider/providertest"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// TestParallelUploadsIntoNewFolder: 6 uploads at once (one and two chunks)
// into a new nested path, against the default sandbox, which models the
// real server's unlocked lookup-then-create of folders: one folder per
// level, every file in the deepest one.
func TestParallelUploadsIntoNewFolder(t *testing.T) {
	// A wide race window, so the old client (all commits at once) would
	// make duplicates for sure.
	tb := newTestbed(t, sbfilesro.Options{FolderRaceWindow: 200 * time.Millisecond}, sandbox.Config{})
	p := tb.provider("editor")
	dir := []string{"new", "deeper", "deepest"}
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := randomData(MinChunkSize+i*1000, uint64(i))
			_, errs[i] = upload(ctx(t), p, plan(dir, fmt.Sprintf("f%d.bin", i), data, MinChunkSize), data)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	var folders []string
	for _, e := range tb.srv.Tree("filesro") {
		if e.Kind == sandbox.KindFolder && strings.HasPrefix(e.Path, "/editor/") {
			folders = append(folders, e.Path)
		}
	}
	if len(folders) != len(dir) {
		t.Fatalf("folders %q; want one per level", folders)
	}
	for i := range n {
		if _, ok := tb.stored(fmt.Sprintf("/editor/new/deeper/deepest/f%d.bin", i)); !ok {
			t.Errorf("f%d.bin is not in /editor/new/deeper/deepest", i)
		}
	}
	// Known now: later uploads into the path and below it do not wait,
	// and the engine is told so (provider.FolderMaker).
	providertest.CheckFolderToMake(t, p,
		providertest.FolderCase{Dir: dir}, providertest.FolderCase{Dir: dir[:1]}, providertest.FolderCase{},
		providertest.FolderCase{Dir: append(dir, "more"), Want: "new/deeper/deepest/more"},
		providertest.FolderCase{Dir: []string{"new", "other", "x"}, Want: "new/other"},
		providertest.FolderCase{Dir: []string{"elsewhere"}, Want: "elsewhere"})
	data := randomData(10, 1)
	if _, err := upload(ctx(t), p, plan(append(dir, "more"), "late.bin", data, MinChunkSize), data); err != nil {
		t.Fatal(err)
	}
}

// TestSameNameMakesSecondFile: files.ro keeps both files under the one
// name; the result says so and the capabilities flag it.
func TestSameNameMakesSecondFile(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true})
	p := tb.provider("editor")
	if !p.Capabilities().SameNameCopies {
		t.Fatal("capabilities do not say that same-name uploads make a second file")
	}
	a, b := randomData(10, 1), randomData(20, 2)
	r1, err := upload(ctx(t), p, plan(nil, "same.txt", a, MinChunkSize), a)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := upload(ctx(t), p, plan(nil, "same.txt", b, MinChunkSize), b)
	if err != nil {
		t.Fatal(err)
	}
	if r1.RemoteName != "same.txt" || r2.RemoteName != "same.txt" || r1.RemoteID == r2.RemoteID {
		t.Fatalf("results %+v %+v; want two files, both named same.txt", r1, r2)
	}
}

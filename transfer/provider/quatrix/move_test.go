package quatrix_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// Move renames and moves a file by the id Ferry recorded (one
// file/moveone), keeps its id, and never overwrites a name taken at the
// destination; a folder moves as a whole only when every file below it is
// Ferry's.
func TestMove(t *testing.T) {
	e := newEnv(t, envOpts{realModel: true})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	ids := map[string]string{}
	for _, f := range []struct{ dir, name string }{{"a", "x.bin"}, {"a", "y.bin"}, {"b", "y.bin"}, {"c/d", "z.bin"}} {
		data := randomBytes(t, 3000)
		res, err := upload(ctx, p, plan(strings.Split(f.dir, "/"), f.name, data, 1000, provider.ConflictRename), data)
		if err != nil {
			t.Fatal(err)
		}
		ids[f.dir+"/"+f.name] = res.RemoteID
	}
	res, err := p.Move(ctx, provider.Move{RemoteID: ids["a/x.bin"], FromDir: []string{"a"}, FromName: "x.bin", ToDir: []string{"b", "new"}, ToName: "w.bin"})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := e.entry(home("b/new/w.bin")); !ok || n.ID != ids["a/x.bin"] || res.RemotePath != "b/new/w.bin" {
		t.Fatalf("moved file: %+v %v, result %+v", n, ok, res)
	}
	if _, ok := e.entry(home("a/x.bin")); ok {
		t.Error("the old name is still there")
	}
	// b/y.bin is taken: the moved file gets a free name, the other stays.
	res, err = p.Move(ctx, provider.Move{RemoteID: ids["a/y.bin"], FromDir: []string{"a"}, FromName: "y.bin", ToDir: []string{"b"}, ToName: "y.bin"})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := e.entry(home("b/y.bin")); !ok || n.ID != ids["b/y.bin"] || res.RemoteName == "y.bin" {
		t.Errorf("a taken name was overwritten: %+v, result %+v", n, res)
	}
	// An id the server does not know: gone (the engine uploads instead).
	if _, err := p.Move(ctx, provider.Move{RemoteID: "00000000-0000-4000-8000-000000000000", FromName: "q", ToName: "r"}); !errors.Is(err, provider.ErrSessionGone) {
		t.Errorf("unknown id: %v", err)
	}
	// A folder with a file Ferry did not upload stays where it is.
	owned := func(id string) bool { return id == ids["c/d/z.bin"] }
	folder := provider.Move{Folder: true, FromDir: nil, FromName: "b", ToDir: nil, ToName: "b2", Owned: owned}
	if _, err := p.Move(ctx, folder); !errors.Is(err, provider.ErrNotOwned) {
		t.Fatalf("folder with foreign files: %v", err)
	}
	if _, ok := e.entry(home("b/y.bin")); !ok {
		t.Fatal("a refused folder move moved something")
	}
	// A folder of Ferry's files moves in one call.
	before := len(e.srv.Log())
	if _, err := p.Move(ctx, provider.Move{Folder: true, FromDir: []string{"c"}, FromName: "d", ToName: "d2", Owned: owned}); err != nil {
		t.Fatal(err)
	}
	if n, ok := e.entry(home("d2/z.bin")); !ok || n.ID != ids["c/d/z.bin"] {
		t.Fatalf("folder move: %+v %v", n, ok)
	}
	moves := 0
	for _, l := range e.srv.Log()[before:] {
		if l.Route == "POST /api/1.0/file/moveone" {
			moves++
		}
	}
	if moves != 1 {
		t.Errorf("%d moveone calls for one folder", moves)
	}
}

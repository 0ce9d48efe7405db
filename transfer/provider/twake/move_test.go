package twake

import (
	"errors"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
)

// uploadID uploads f and returns its files-service id.
func (f testFile) uploadID(t *testing.T, p *Provider) string {
	t.Helper()
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.u.Chunks() {
		if err := f.put(t, s, i); err != nil {
			t.Fatal(err)
		}
	}
	res, err := finishRecorded(t, s)
	if err != nil {
		t.Fatal(err)
	}
	return res.RemoteID
}

func (ts *testServer) driveEntry(p string) (sandbox.Entry, bool) {
	for _, e := range ts.srv.Tree(sbtwake.Name) {
		if e.Path == p {
			return e, true
		}
	}
	return sandbox.Entry{}, false
}

// Move renames and moves a Drive item found by the file id Ferry recorded
// (one update call), never overwriting a taken name; a folder moves as a
// whole only when every file item below it points at a file of Ferry's;
// a flat target (no Drive folders) cannot move.
func TestMoveDrive(t *testing.T) {
	ts := startSandbox(t, nil)
	p := ts.provider(t, func(c *Config) { c.DriveFolders = true })
	x := newTestFile("x.bin", 3000, "a")
	xid := x.uploadID(t, p)
	yid := newTestFile("y.bin", 2000, "b").uploadID(t, p)
	zid := newTestFile("z.bin", 1000, "c", "d").uploadID(t, p)

	res, err := p.Move(ctx(t), provider.Move{RemoteID: xid, FromDir: []string{"a"}, FromName: "x.bin", ToDir: []string{"b"}, ToName: "y.bin", Size: 3000})
	if err != nil {
		t.Fatal(err)
	}
	// y.bin is taken in b: the server names it y-2.bin (TW-DRIVE-4).
	if res.RemotePath != "b/y-2.bin" || res.RemoteID != xid {
		t.Errorf("result %+v", res)
	}
	if _, ok := ts.driveEntry("/drive/b/y-2.bin"); !ok {
		t.Error("the moved item is not at b/y-2.bin")
	}
	if _, ok := ts.driveEntry("/drive/a/x.bin"); ok {
		t.Error("the old item is still there")
	}
	// A repeat after a lost answer finds the item already moved.
	before := ts.count(sbtwake.RouteItemUpdate)
	again, err := p.Move(ctx(t), provider.Move{RemoteID: xid, FromDir: []string{"a"}, FromName: "x.bin", ToDir: []string{"b"}, ToName: "y.bin", Size: 3000})
	if err != nil || again.RemotePath != "b/y-2.bin" || ts.count(sbtwake.RouteItemUpdate) != before {
		t.Errorf("repeated move: %+v %v, %d more updates", again, err, ts.count(sbtwake.RouteItemUpdate)-before)
	}
	// Gone from the old place and not at the new one: the engine then uploads.
	if _, err := p.Move(ctx(t), provider.Move{RemoteID: xid, FromDir: []string{"a"}, FromName: "x.bin", ToName: "q.bin"}); !errors.Is(err, provider.ErrSessionGone) {
		t.Errorf("item gone: %v", err)
	}
	// Folder b holds x (Ferry's) and y; only x is accepted: refused.
	owned := func(id string) bool { return id == xid || id == zid }
	if _, err := p.Move(ctx(t), provider.Move{Folder: true, FromName: "b", ToName: "b2", Owned: owned}); !errors.Is(err, provider.ErrNotOwned) {
		t.Fatalf("folder with a foreign file: %v", err)
	}
	before = ts.count(sbtwake.RouteItemUpdate)
	if _, err := p.Move(ctx(t), provider.Move{Folder: true, FromDir: []string{"c"}, FromName: "d", ToName: "d2", Owned: owned}); err != nil {
		t.Fatal(err)
	}
	if _, ok := ts.driveEntry("/drive/d2/z.bin"); !ok || ts.count(sbtwake.RouteItemUpdate) != before+1 {
		t.Errorf("folder move: z at d2 %v, %d update calls", ok, ts.count(sbtwake.RouteItemUpdate)-before)
	}
	_ = yid
	flat := ts.provider(t, nil)
	if _, err := flat.Move(ctx(t), provider.Move{RemoteID: zid, FromName: "z.bin", ToName: "w.bin"}); !errors.Is(err, provider.ErrCannotMove) {
		t.Errorf("flat target: %v", err)
	}
}

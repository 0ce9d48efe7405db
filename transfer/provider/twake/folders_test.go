package twake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
	"golang.org/x/sync/errgroup"
)

// upload runs a whole upload through p in chunk order.
func (f testFile) upload(t testing.TB, p *Provider) error {
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		return err
	}
	for i := range f.u.Chunks() {
		if err := f.put(t, s, i); err != nil {
			return err
		}
	}
	_, err = finishRecorded(t, s)
	return err
}

// finishRecorded finishes s and then, as the engine does once its queue
// recorded the upload, calls the result's Recorded.
func finishRecorded(t testing.TB, s provider.Session) (provider.Result, error) {
	res, err := s.Finish(ctx(t))
	if err == nil && res.Recorded != nil {
		res.Recorded()
	}
	return res, err
}

func (ts *testServer) count(route string) int {
	n := 0
	for _, e := range ts.srv.Log() {
		if e.Route == route {
			n++
		}
	}
	return n
}

// Eight uploads into the same new folder at once create each folder once;
// a restarted provider finds them instead of creating copies.
func TestDriveFoldersCreatedOnce(t *testing.T) {
	ts := startSandbox(t, nil)
	p := ts.provider(t, func(c *Config) { c.DriveFolders = true })
	var g errgroup.Group
	for i := range 8 {
		f := newTestFile(fmt.Sprintf("f%d.bin", i), int64(1000*i), "Photos", "2024 trip")
		g.Go(func() error { return f.upload(t, p) })
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if n := ts.count(sbtwake.RouteItemPost); n != 2+8 {
		t.Fatalf("%d item POSTs, want 2 folders + 8 files", n)
	}
	p2 := ts.provider(t, func(c *Config) { c.DriveFolders = true })
	if err := newTestFile("late.bin", 5, "Photos", "2024 trip").upload(t, p2); err != nil {
		t.Fatal(err)
	}
	var folders, files []string
	for _, e := range ts.srv.Tree(sbtwake.Name) {
		if !strings.HasPrefix(e.Path, "/drive/") {
			continue
		}
		if e.Kind == sandbox.KindFolder {
			folders = append(folders, e.Path)
		} else {
			files = append(files, e.Path)
		}
	}
	if strings.Join(folders, ",") != "/drive/Photos,/drive/Photos/2024 trip" || len(files) != 9 {
		t.Fatalf("drive tree: folders %v, %d files", folders, len(files))
	}
	for _, f := range files {
		if !strings.HasPrefix(f, "/drive/Photos/2024 trip/") {
			t.Fatalf("file %s outside its folder", f)
		}
	}
}

func TestFlatNames(t *testing.T) {
	ts := startSandbox(t, nil)
	plain := ts.provider(t, nil)
	encoded := ts.provider(t, func(c *Config) { c.PathInName = true })
	f := newTestFile("c／d.txt", 7, "a", "b‛")
	if err := f.upload(t, plain); err != nil {
		t.Fatal(err)
	}
	if err := f.upload(t, encoded); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ts.srv.Tree(sbtwake.Name) {
		if strings.HasPrefix(e.Path, "/files/") {
			names = append(names, e.Meta["name"])
		}
	}
	want := EncodeName([]string{"a", "b‛", "c／d.txt"})
	if len(names) != 2 || !(names[0] == "c／d.txt" && names[1] == want || names[1] == "c／d.txt" && names[0] == want) {
		t.Fatalf("stored names %q, want plain and %q", names, want)
	}
	if got := DecodeName(want); strings.Join(got, "|") != "a|b‛|c／d.txt" {
		t.Fatalf("decode %q = %q", want, got)
	}
}

func TestEncodeName(t *testing.T) {
	for _, segs := range [][]string{{"a"}, {"a", "b.txt"}, {"", "x"}, {"／", "‛", "‛／‛"}, {"日本", "ファイル.txt"}} {
		enc := EncodeName(segs)
		if strings.Contains(enc, "/") {
			t.Errorf("%q encodes to %q with a slash", segs, enc)
		}
		if got := DecodeName(enc); strings.Join(got, "\x00") != strings.Join(segs, "\x00") {
			t.Errorf("%q -> %q -> %q", segs, enc, got)
		}
	}
	if got := EncodeName([]string{"Photos", "trip", "img.jpg"}); got != "Photos／trip／img.jpg" {
		t.Errorf("encoding %q", got)
	}
}

// A valid token without access to the company's Drive is an auth error:
// the user is a guest there, who may read the root and create nothing (the
// create would answer its catch-all 500), so the listing's access level
// stops it before.
func TestDriveOtherCompany(t *testing.T) {
	ts := startSandbox(t, nil)
	p := ts.provider(t, func(c *Config) {
		c.DriveFolders, c.CompanyID = true, "0b9f8f8e-aaaa-4222-8333-444455556666"
	})
	_, err := p.Begin(ctx(t), newTestFile("x.bin", 1, "d").u)
	if kindOf(err) != provider.ErrAuth || !strings.Contains(err.Error(), "may only read Twake Drive folder") {
		t.Fatalf("other company's Drive: %v", err)
	}
}

// A cancelled caller does not fail the others waiting for the same new
// folder: the shared creation runs detached from it.
func TestDriveFolderSurvivesCancelledWaiter(t *testing.T) {
	ts := startSandbox(t, func(c *sandbox.Config) { c.Faults = sandbox.FaultProfile{Latency: 150 * time.Millisecond} })
	p := ts.provider(t, func(c *Config) { c.DriveFolders = true })
	short, cancel := context.WithTimeout(ctx(t), 20*time.Millisecond)
	defer cancel()
	var g errgroup.Group
	var shortErr error
	g.Go(func() error { _, shortErr = p.folders.resolve(short, []string{"shared"}); return nil })
	var id string
	g.Go(func() error {
		var err error
		id, err = p.folders.resolve(ctx(t), []string{"shared"})
		return err
	})
	if err := g.Wait(); err != nil {
		t.Fatalf("patient caller: %v", err)
	}
	if !errors.Is(shortErr, context.DeadlineExceeded) || id == "" {
		t.Fatalf("short caller %v, patient got %q", shortErr, id)
	}
	if n := ts.count(sbtwake.RouteItemPost); n != 1 {
		t.Fatalf("%d folder creations, want 1", n)
	}
}

package quatrix

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/operations"
	"github.com/rclone/rclone/fs/sync"
)

// writeTree makes a local tree of files in nested folders (sizes from 0 to
// a few chunks) with distinct mtimes, and returns relative path -> content.
func writeTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	files := map[string][]byte{}
	sizes := []int{0, 1, 999, 4096, 100_000, 250_001, 420_000}
	for i := range 42 {
		rel := fmt.Sprintf("d%d/sub%d/f%02d.bin", i%3, i%4, i)
		if i%7 == 0 {
			rel = fmt.Sprintf("top%02d.txt", i)
		}
		if i == 5 {
			rel = "d1/deep/er/still/name with spaces ünï.txt"
		}
		data := make([]byte, sizes[i%len(sizes)])
		for j := range data {
			data[j] = byte(rng.UintN(256))
		}
		files[rel] = data
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		mt := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC).Add(time.Duration(i)*time.Hour + 123456*time.Microsecond)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// TestUploadTree: stock rclone (no --inplace) copies a tree of 42 files in
// nested folders: each file goes up as "name.XXXX.partial" and is renamed
// with file/moveone; the server then holds every file byte for byte, no
// partial is left, and a fresh listing reads the local mtimes back to the
// microsecond.
func TestUploadTree(t *testing.T) {
	e := start(t)
	src := t.TempDir()
	files := writeTree(t, src)
	dst := e.remote("backup")
	if err := sync.CopyDir(e.ctx, dst, e.local(src), true); err != nil {
		t.Fatalf("rclone copy: %v", err)
	}
	tree := e.tree()
	for rel, data := range files {
		en, ok := tree["backup/"+rel]
		if !ok {
			t.Errorf("%s is missing on the server", rel)
			continue
		}
		if en.Size != int64(len(data)) || (len(data) > 0 && en.SHA256 != sum(data)) {
			t.Errorf("%s: server has %d bytes sha %s, want %d bytes sha %s", rel, en.Size, en.SHA256, len(data), sum(data))
		}
	}
	for p := range tree {
		if strings.HasSuffix(p, ".partial") {
			t.Errorf("a partial upload was left: %s", p)
		}
	}
	if n := e.requests("/file/moveone"); n < len(files) {
		t.Errorf("%d moveone calls for %d files: rclone did not rename its partial uploads", n, len(files))
	}
	if n := e.requests("/upload/chunked/"); n <= len(files) {
		var sizes []int64
		for _, l := range e.srv.Log() {
			if strings.Contains(l.Path, "/upload/chunked/") {
				sizes = append(sizes, l.BytesIn)
			}
		}
		t.Errorf("only %d chunk POSTs (sizes %v): no file took several chunks", n, sizes)
	}
	// Read back through a fresh remote: sizes, mtimes and bytes.
	fresh := e.remote("backup")
	if err := operations.Check(e.ctx, &operations.CheckOpt{Fdst: fresh, Fsrc: e.local(src), OneWay: false}); err != nil {
		t.Errorf("rclone check: %v", err)
	}
	for rel, data := range files {
		o, err := fresh.NewObject(e.ctx, rel)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		st, err := os.Stat(filepath.Join(src, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := o.ModTime(e.ctx), st.ModTime(); !sameTime(got, want) {
			t.Errorf("%s: mtime %v, want %v", rel, got, want)
		}
		if len(data) > 0 && rel == "d1/deep/er/still/name with spaces ünï.txt" {
			if got := readAll(t, e, o, nil); !bytes.Equal(got, data) {
				t.Errorf("%s: downloaded bytes differ", rel)
			}
		}
	}
}

// sameTime compares at rclone's precision for Quatrix (Precision() is a
// microsecond): rclone parses the server's seconds as a float64, which
// at today's dates is off by up to a few hundred nanoseconds.
func sameTime(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

func readAll(t *testing.T, e *env, o fs.Object, opt fs.OpenOption) []byte {
	t.Helper()
	var opts []fs.OpenOption
	if opt != nil {
		opts = append(opts, opt)
	}
	rc, err := o.Open(e.ctx, opts...)
	if err != nil {
		t.Fatalf("open %s: %v", o.Remote(), err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// putFile uploads data as remote name through rclone's operations (the
// partial-name path) with mtime mt.
func putFile(t *testing.T, e *env, f fs.Fs, name string, data []byte, mt time.Time) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "src")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mt, mt); err != nil {
		t.Fatal(err)
	}
	if err := operations.CopyFile(e.ctx, f, e.local(dir), name, "src"); err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
}

// TestServerSideOps: server-side copy (copyone), move (moveone), dirmove
// (moveone of a folder), overwrite, ranged download, set mtime.
func TestServerSideOps(t *testing.T) {
	e := start(t)
	f := e.remote("")
	mt := time.Date(2023, 1, 2, 3, 4, 5, 678901000, time.UTC)
	a := bytes.Repeat([]byte("abcdefghij"), 30_000) // 300,000 bytes: 3+ chunks
	putFile(t, e, f, "src/a.bin", a, mt)
	putFile(t, e, f, "src/sub/b.txt", []byte("bee"), mt)

	if err := operations.CopyFile(e.ctx, f, f, "copies/a-copy.bin", "src/a.bin"); err != nil {
		t.Fatalf("server-side copy: %v", err)
	}
	if e.requests("/file/copyone") != 1 {
		t.Errorf("copy did not use file/copyone")
	}
	if err := operations.MoveFile(e.ctx, f, f, "moved/b-moved.txt", "src/sub/b.txt"); err != nil {
		t.Fatalf("server-side move: %v", err)
	}
	tree := e.tree()
	if tree["copies/a-copy.bin"].SHA256 != sum(a) || tree["src/a.bin"].SHA256 != sum(a) {
		t.Error("copy or its source differ from the upload")
	}
	if _, ok := tree["src/sub/b.txt"]; ok || tree["moved/b-moved.txt"].SHA256 != sum([]byte("bee")) {
		t.Errorf("move: source still there or target wrong: %+v", tree["moved/b-moved.txt"])
	}
	if o, err := f.NewObject(e.ctx, "copies/a-copy.bin"); err != nil || !sameTime(o.ModTime(e.ctx), mt) {
		t.Errorf("copy mtime: %v %v, want %v", o.ModTime(e.ctx), err, mt)
	}

	// DirMove: a folder with content, renamed and re-parented in one call.
	before := e.requests("/file/moveone")
	if err := operations.DirMove(e.ctx, f, "src", "archive/src-2023"); err != nil {
		t.Fatalf("dirmove: %v", err)
	}
	if e.requests("/file/moveone") != before+1 {
		t.Errorf("dirmove took %d moveone calls, want 1", e.requests("/file/moveone")-before)
	}
	tree = e.tree()
	if _, ok := tree["src"]; ok || tree["archive/src-2023/a.bin"].SHA256 != sum(a) {
		t.Error("dirmove did not move the folder with its content")
	}

	// Overwrite: new content under the same name (partial + moveone overwrite).
	b2 := []byte("a new version")
	putFile(t, e, f, "archive/src-2023/a.bin", b2, mt.Add(time.Hour))
	if got := e.tree()["archive/src-2023/a.bin"]; got.SHA256 != sum(b2) || got.Size != int64(len(b2)) {
		t.Errorf("overwrite: server has %+v", got)
	}

	// Ranged download of the copy.
	o, err := f.NewObject(e.ctx, "copies/a-copy.bin")
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, e, o, &fs.RangeOption{Start: 100_005, End: 100_014}); string(got) != "fghijabcde" {
		t.Errorf("range read %q", got)
	}
	if got := readAll(t, e, o, &fs.SeekOption{Offset: 299_995}); string(got) != "fghij" {
		t.Errorf("seek read %q", got)
	}

	// Set the mtime (file/metadata) and read it back through a fresh remote.
	want := time.Date(2020, 2, 29, 12, 0, 0, 1000, time.UTC)
	if err := o.SetModTime(e.ctx, want); err != nil {
		t.Fatalf("set mtime: %v", err)
	}
	o2, err := e.remote("").NewObject(e.ctx, "copies/a-copy.bin")
	if err != nil || !sameTime(o2.ModTime(e.ctx), want) {
		t.Errorf("mtime after SetModTime: %v (%v), want %v", o2.ModTime(e.ctx), err, want)
	}
}

// TestDirsAndPurge: mkdir, rmdir (refused while not empty), purge.
func TestDirsAndPurge(t *testing.T) {
	e := start(t)
	f := e.remote("")
	if err := operations.Mkdir(e.ctx, f, "x/y/z"); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.tree()["x/y/z"]; !ok {
		t.Fatal("mkdir made no x/y/z")
	}
	putFile(t, e, f, "x/y/file", []byte("data"), time.Now())
	if err := operations.Rmdir(e.ctx, f, "x/y/z"); err != nil {
		t.Fatalf("rmdir of an empty folder: %v", err)
	}
	if err := operations.Rmdir(e.ctx, f, "x/y"); err == nil {
		t.Fatal("rmdir of a folder with a file succeeded")
	}
	if err := operations.Purge(e.ctx, f, "x"); err != nil {
		t.Fatalf("purge: %v", err)
	}
	for p := range e.tree() {
		if p == "x" || strings.HasPrefix(p, "x/") {
			t.Errorf("%s survived the purge", p)
		}
	}
	// rclone deletes into the Trash (hard_delete off).
	trashed := false
	for _, en := range e.srv.Tree("quatrix") {
		if strings.HasPrefix(en.Path, "/"+email+"/Trash/") && path.Base(en.Path) == "file" {
			trashed = true
		}
	}
	if !trashed {
		t.Error("the purged file is not in the Trash")
	}
}

// TestAbout: rclone about shows the account's quota (profile/info).
func TestAbout(t *testing.T) {
	e := start(t)
	f := e.remote("")
	data := bytes.Repeat([]byte{7}, 12345)
	putFile(t, e, f, "q.bin", data, time.Now())
	u, err := f.Features().About(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u.Total == nil || *u.Total != accountLimit || u.Used == nil || *u.Used != 12345 || u.Free == nil || *u.Free != accountLimit-12345 {
		t.Errorf("about: total %v used %v free %v, want %d %d %d", val(u.Total), val(u.Used), val(u.Free), int64(accountLimit), 12345, accountLimit-12345)
	}
}

func val(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestTrailingSpace: a name ending in a space round-trips (the default
// sandbox accepts it, as rclone's integration run against real Quatrix
// implies).
func TestTrailingSpace(t *testing.T) {
	e := start(t)
	f := e.remote("")
	putFile(t, e, f, "dir /name ", []byte("spaced"), time.Now())
	if got := e.tree()["dir /name "]; got.SHA256 != sum([]byte("spaced")) {
		t.Errorf("server has %+v", got)
	}
}

// TestInplaceOverwrite: with --inplace rclone overwrites an existing file
// under its own id through file/modify (truncate 0) instead of a partial
// name and a rename.
func TestInplaceOverwrite(t *testing.T) {
	e := start(t)
	f := e.remote("")
	putFile(t, e, f, "doc.txt", []byte("first version"), time.Now())
	id := e.tree()["doc.txt"].ID
	ci := fs.GetConfig(e.ctx)
	ci.Inplace = true
	defer func() { ci.Inplace = false }()
	before := e.requests("/file/moveone")
	putFile(t, e, f, "doc.txt", []byte("second"), time.Now())
	got := e.tree()["doc.txt"]
	if got.SHA256 != sum([]byte("second")) || got.ID != id {
		t.Errorf("in-place overwrite: %+v (id before %s)", got, id)
	}
	if e.requests("/file/modify") != 1 || e.requests("/file/moveone") != before {
		t.Errorf("in-place overwrite used %d modify and %d more moveone calls, want 1 and 0",
			e.requests("/file/modify"), e.requests("/file/moveone")-before)
	}
}

package quatrix_test

import (
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
)

// put uploads data as parent/name (one chunk, then finalize with mtime)
// and returns the file id.
func (e *tenv) put(tok, parent, name string, data string, mtime string) string {
	e.t.Helper()
	id, key, _ := e.link(tok, parent, name, int64(len(data)))
	if len(data) > 0 {
		wantOK(e.t, e.chunk(key, 0, int64(len(data)), []byte(data), nil), 200)
	}
	wantOK(e.t, e.call(tok, "GET", "/upload/finalize/"+key+"?mtime="+mtime, nil), 200)
	return id
}

func (e *tenv) mkdir(tok, parent, name string) string {
	e.t.Helper()
	r := e.call(tok, "POST", "/file/makedir", map[string]any{"target": parent, "name": name, "resolve": false})
	wantOK(e.t, r, 201)
	return r.obj(e.t)["id"].(string)
}

// content returns the sha256 of the file at path below alice's home.
func (e *tenv) sha(path string) string {
	e.t.Helper()
	n, ok := e.node(path)
	if !ok {
		e.t.Fatalf("%s is missing", path)
	}
	return n.SHA256
}

// moveOneBody is what rclone's Move sends (api.FileCopyMoveOneParams).
func moveOneBody(id, target, name string, mtime float64, resolve bool, mode string) map[string]any {
	return map[string]any{"file_id": id, "target_id": target, "name": name, "mtime": mtime, "resolve": resolve, "resolve_mode": mode}
}

// Q-MOVEONE: rclone's ".partial" rename: same id, new name, the given
// mtime, the File object back; the old name is gone.
func TestMoveOneRenamesPartial(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	id := e.put(tok, e.home(), "a.txt.1f2e3d4c.partial", "hello", "1700000000.5")
	r := e.call(tok, "POST", "/file/moveone", moveOneBody(id, e.home(), "a.txt", 1600000000.123456, true, "overwrite"))
	wantOK(t, r, 200)
	o := r.obj(t)
	if o["id"] != id || o["name"] != "a.txt" || o["type"] != "F" || o["size"] != 5.0 || o["parent_id"] != e.home() {
		t.Fatalf("moveone answer %v", o)
	}
	if o["modified_ms"] != 1600000000.123456 {
		t.Errorf("modified_ms %v, want the mtime sent", o["modified_ms"])
	}
	if _, ok := e.node("a.txt.1f2e3d4c.partial"); ok {
		t.Error("the partial name is still there")
	}
	if e.sha("a.txt") != sum([]byte("hello")) {
		t.Error("content changed by the move")
	}
}

// Q-ONE-CONFLICT: resolve+overwrite replaces a file; resolve alone picks
// name(1); resolve false is 400 code 30; a folder is never overwritten.
func TestMoveOneConflicts(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	old := e.put(tok, e.home(), "f.txt", "old", "1")
	src := e.put(tok, e.home(), "g.txt", "new", "2")
	wantErr(t, e.call(tok, "POST", "/file/moveone", moveOneBody(src, e.home(), "f.txt", 2, false, "")), 400, 30)
	wantOK(t, e.call(tok, "POST", "/file/moveone", moveOneBody(src, e.home(), "f.txt", 2, true, "overwrite")), 200)
	if e.sha("f.txt") != sum([]byte("new")) {
		t.Error("overwrite kept the old content")
	}
	wantErr(t, e.call(tok, "GET", "/file/metadata/"+old+"?content=0", nil), 404, 20)
	other := e.put(tok, e.home(), "h.txt", "h", "3")
	r := e.call(tok, "POST", "/file/moveone", map[string]any{"file_id": other, "target_id": e.home(), "name": "f.txt"})
	wantOK(t, r, 200)
	if got := r.obj(t)["name"]; got != "f(1).txt" {
		t.Errorf("resolve without a mode named it %v, want f(1).txt", got)
	}
	d := e.mkdir(tok, e.home(), "d")
	wantErr(t, e.call(tok, "POST", "/file/moveone", moveOneBody(src, e.home(), "d", 2, true, "overwrite")), 400, 30)
	wantErr(t, e.call(tok, "POST", "/file/moveone", moveOneBody(d, d, "d", 2, false, "")), 400, 70)
}

// Q-MOVEONE for folders (rclone DirMove): the subtree goes along, ids kept.
func TestMoveOneFolder(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	a := e.mkdir(tok, e.home(), "a")
	b := e.mkdir(tok, e.home(), "b")
	f := e.put(tok, a, "f.bin", "abc", "1")
	r := e.call(tok, "POST", "/file/moveone", moveOneBody(a, b, "a2", 1234, false, ""))
	wantOK(t, r, 200)
	if o := r.obj(t); o["id"] != a || o["type"] != "D" || o["name"] != "a2" {
		t.Fatalf("folder move answer %v", o)
	}
	if e.sha("b/a2/f.bin") != sum([]byte("abc")) {
		t.Error("the file did not move with its folder")
	}
	wantOK(t, e.call(tok, "GET", "/file/metadata/"+f+"?content=0", nil), 200)
}

// Q-COPYONE: a new id, same content and mtime; the source stays; folders
// are copied with everything below them.
func TestCopyOne(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	d := e.mkdir(tok, e.home(), "d")
	e.mkdir(tok, d, "empty")
	f := e.put(tok, d, "f.txt", "data", "1500000000.25")
	r := e.call(tok, "POST", "/file/copyone", moveOneBody(f, e.home(), "c.txt", 1500000000.25, true, "overwrite"))
	wantOK(t, r, 200)
	o := r.obj(t)
	if o["id"] == f || o["name"] != "c.txt" || o["size"] != 4.0 || o["type"] != "F" || o["modified_ms"] != 1500000000.25 {
		t.Fatalf("copyone answer %v", o)
	}
	if e.sha("c.txt") != sum([]byte("data")) || e.sha("d/f.txt") != sum([]byte("data")) {
		t.Error("copy or source content wrong")
	}
	wantOK(t, e.call(tok, "POST", "/file/copyone", map[string]any{"file_id": d, "target_id": e.home(), "name": "d2"}), 200)
	if e.sha("d2/f.txt") != sum([]byte("data")) {
		t.Error("folder copy lost its file")
	}
	if _, ok := e.node("d2/empty"); !ok {
		t.Error("folder copy lost its empty subfolder")
	}
	wantErr(t, e.call(tok, "POST", "/file/copyone", map[string]any{"file_id": d, "target_id": d, "name": "x"}), 400, 70)
	// Overwrite by copy: the new content under the old name, the old file
	// gone, no temporary name left behind.
	old := e.put(tok, e.home(), "o.txt", "old", "1")
	r = e.call(tok, "POST", "/file/copyone", moveOneBody(f, e.home(), "o.txt", 1, true, "overwrite"))
	wantOK(t, r, 200)
	if e.sha("o.txt") != sum([]byte("data")) || r.obj(t)["name"] != "o.txt" {
		t.Errorf("copy overwrite: %s", r.body)
	}
	wantErr(t, e.call(tok, "GET", "/file/metadata/"+old+"?content=0", nil), 404, 20)
	for _, en := range e.srv.Tree(quatrix.Name) {
		if strings.Contains(en.Path, ".sandbox-copy-") {
			t.Errorf("temporary copy left: %s", en.Path)
		}
	}
	// Empty files copy too (they have no blob).
	z := e.put(tok, e.home(), "zero", "", "1")
	wantOK(t, e.call(tok, "POST", "/file/copyone", map[string]any{"file_id": z, "target_id": d, "name": "zero"}), 200)
}

// Q-ONE-REQ: missing or malformed ids, an unknown id (404, what rclone
// maps to "object not found"), a file as target, bad names.
func TestCopyMoveOneRefusals(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	f := e.put(tok, e.home(), "f", "x", "1")
	for _, p := range []string{"/file/moveone", "/file/copyone"} {
		wantErr(t, e.call(tok, "POST", p, map[string]any{"target_id": e.home()}), 400, 11)
		wantErr(t, e.call(tok, "POST", p, map[string]any{"file_id": f}), 400, 11)
		wantErr(t, e.call(tok, "POST", p, map[string]any{"file_id": "nope", "target_id": e.home()}), 400, 10)
		wantErr(t, e.call(tok, "POST", p, map[string]any{"file_id": "00000000-0000-4000-8000-000000000000", "target_id": e.home()}), 404, 20)
		wantErr(t, e.call(tok, "POST", p, map[string]any{"file_id": f, "target_id": f, "name": "g"}), 400, 91)
		wantErr(t, e.call(tok, "POST", p, map[string]any{"file_id": f, "target_id": e.home(), "name": "a/b"}), 400, 10)
	}
	wantErr(t, e.call(tok, "POST", "/file/moveone", map[string]any{"file_id": e.home(), "target_id": e.home()}), 400, 70)
	// Strict only: an unknown resolve_mode.
	wantErr(t, e.call(tok, "POST", "/file/moveone", moveOneBody(f, e.home(), "g", 1, true, "merge")), 400, 10)
}

// Q-RENAME: FileRenameResp with old_name; resolve defaults to true.
func TestRename(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	f := e.put(tok, e.home(), "a.txt", "x", "1")
	e.put(tok, e.home(), "b.txt", "y", "1")
	r := e.call(tok, "POST", "/file/rename/"+f, map[string]any{"name": "c.txt"})
	wantOK(t, r, 200)
	if o := r.obj(t); o["id"] != f || o["name"] != "c.txt" || o["old_name"] != "a.txt" {
		t.Fatalf("rename answer %v", o)
	}
	wantErr(t, e.call(tok, "POST", "/file/rename/"+f, map[string]any{"name": "b.txt", "resolve": false}), 400, 30)
	if got := e.call(tok, "POST", "/file/rename/"+f, map[string]any{"name": "b.txt"}).obj(t)["name"]; got != "b(1).txt" {
		t.Errorf("rename onto a taken name with resolve gave %v", got)
	}
	wantErr(t, e.call(tok, "POST", "/file/rename/"+e.home(), map[string]any{"name": "x"}), 400, 70)
}

// Q-MOVE and Q-COPY: the swagger's bulk calls.
func TestBulkMoveCopy(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	d := e.mkdir(tok, e.home(), "d")
	f := e.put(tok, e.home(), "f", "x", "1")
	r := e.call(tok, "POST", "/file/copy", map[string]any{"ids": []string{f}, "target": d})
	wantOK(t, r, 202)
	if r.obj(t)["job_id"] == nil {
		t.Error("copy answered no job_id")
	}
	wantErr(t, e.call(tok, "POST", "/file/move", map[string]any{"ids": []string{f}, "target": d, "resolve": false}), 400, 30)
	r = e.call(tok, "POST", "/file/move", map[string]any{"ids": []string{f}, "target": d})
	wantOK(t, r, 200)
	if _, ok := e.node("d/f(1)"); !ok {
		t.Error("move with resolve did not rename to f(1)")
	}
	wantErr(t, e.call(tok, "POST", "/file/move", map[string]any{"target": d}), 400, 11)
}

// Q-QUOTA-ACC: a user without a limit reports user_limit -1 and the
// account's real limit, never 0; the account limit refuses uploads.
func TestProfileInfoQuota(t *testing.T) {
	cfg := quatrix.Config{
		Users:        []quatrix.User{{Email: alice, Password: pw}, {Email: bob, Password: pw, Quota: 1000}},
		AccountLimit: 100,
	}
	e := start(t, opts{cfg: cfg})
	tok := e.login(alice)
	e.put(tok, e.home(), "f", "0123456789", "1")
	r := e.call(tok, "GET", "/profile/info", nil)
	wantOK(t, r, 200)
	var raw map[string]int64
	r.json(t, &raw)
	if len(raw) != 4 || raw["user_used"] != 10 || raw["user_limit"] != -1 || raw["acc_used"] != 10 || raw["acc_limit"] != 100 {
		t.Fatalf("profile/info %v", raw)
	}
	btok := e.login(bob)
	var braw map[string]int64
	e.call(btok, "GET", "/profile/info", nil).json(t, &braw)
	if braw["user_limit"] != 1000 || braw["user_used"] != 0 || braw["acc_used"] != 10 || braw["acc_limit"] != 100 {
		t.Errorf("bob's profile/info %v", braw)
	}
	wantErr(t, e.call(tok, "POST", "/upload/link", map[string]any{"name": "big", "parent_id": e.home(), "file_size": 91}), 400, 122)
	// The default account limit is not 0.
	d := start(t, opts{})
	var draw map[string]int64
	d.call(d.login(alice), "GET", "/profile/info", nil).json(t, &draw)
	if draw["acc_limit"] <= 0 {
		t.Errorf("default acc_limit %d", draw["acc_limit"])
	}
}

// Q-NAME-SPACE: names ending in a space are accepted by default and
// refused only by the strict switch.
func TestTrailingSpace(t *testing.T) {
	e := start(t, opts{lenient: true})
	tok := e.login(alice)
	wantOK(t, e.call(tok, "POST", "/file/makedir", map[string]any{"name": "dir ", "target": e.home()}), 201)
	wantOK(t, e.call(tok, "POST", "/upload/link", map[string]any{"name": "file ", "parent_id": e.home()}), 200)
	s := start(t, opts{})
	stok := s.login(alice)
	wantErr(t, s.call(stok, "POST", "/file/makedir", map[string]any{"name": "dir ", "target": s.home()}), 400, 10)
}

// Q-ROUTE-404 and Q-ROUTE-501: an unknown route is ErrorModel 404 code 20;
// a route of the vendor's swagger that the sandbox lacks is 501 code 21.
func TestUnservedRoutes(t *testing.T) {
	e := start(t, opts{lenient: true})
	tok := e.login(alice)
	wantErr(t, e.call(tok, "POST", "/upload/chunked/abc", "x"), 404, 20)
	wantErr(t, e.call(tok, "GET", "/no/such/route", nil), 404, 20)
	wantErr(t, e.call(tok, "POST", "/file/search", map[string]any{}), 501, 21)
	wantErr(t, e.call(tok, "GET", "/file/info/"+e.home(), nil), 501, 21)
	wantErr(t, e.call(tok, "GET", "/file/info/", nil), 404, 20)
}

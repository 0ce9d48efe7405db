package quatrix_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// §11.9: name rules on upload/link and makedir; names are case-sensitive.
func TestNameRules(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	bad := []string{"", ".", "..", "a/b", `a\b`, "tab\tname", "nul\x00", "del\x7f", "trailing ", strings.Repeat("x", 256)}
	for _, name := range bad {
		wantErr(t, e.call(tok, "POST", "/upload/link", map[string]any{"name": name, "parent_id": e.home()}), 400, 10)
		wantErr(t, e.call(tok, "POST", "/file/makedir", map[string]any{"name": name, "target": e.home()}), 400, 10)
	}
	raw := `{"name":"bad` + "\xff" + `utf8","parent_id":"` + e.home() + `"}`
	wantErr(t, e.call(tok, "POST", "/upload/link", raw), 400, 10)
	good := []string{"a b", " leading", "ünïcödé", strings.Repeat("é", 255), ".hidden", "x.tar.gz"}
	for _, name := range good {
		wantOK(t, e.call(tok, "POST", "/upload/link", map[string]any{"name": name, "parent_id": e.home(), "resolve": false}), 200)
	}
	for _, name := range []string{"Case.txt", "case.txt", "CASE.TXT"} {
		_, _, got := e.link(tok, e.home(), name, -1)
		if got != name {
			t.Errorf("link %q was renamed to %q: names are case-sensitive", name, got)
		}
	}
}

// §11.10: /file/id resolves paths below a parent or home; 404 code 20.
func TestFileID(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	a := e.call(tok, "POST", "/file/makedir", map[string]any{"target": e.home(), "name": "a"}).obj(t)
	b := e.call(tok, "POST", "/file/makedir", map[string]any{"target": a["id"], "name": "b"}).obj(t)
	fid, _, _ := e.link(tok, b["id"].(string), "f.txt", -1)

	for _, tc := range []struct {
		body     map[string]any
		id, typ  string
		notFound bool
	}{
		{body: map[string]any{"path": "a/b/f.txt"}, id: fid, typ: "F"},
		{body: map[string]any{"path": "/a//b///f.txt"}, id: fid, typ: "F"},
		{body: map[string]any{"path": ""}, id: e.home(), typ: "D"},
		{body: map[string]any{"path": "a"}, id: a["id"].(string), typ: "D"},
		{body: map[string]any{"parent_id": a["id"], "path": "b"}, id: b["id"].(string), typ: "D"},
		{body: map[string]any{"path": "Trash"}, typ: "T"},
		{body: map[string]any{"path": "a/B"}, notFound: true},
		{body: map[string]any{"path": "a/b/f.txt/x"}, notFound: true},
		{body: map[string]any{"parent_id": "00000000-0000-4000-8000-000000000000", "path": ""}, notFound: true},
	} {
		r := e.call(tok, "POST", "/file/id", tc.body)
		if tc.notFound {
			wantErr(t, r, 404, 20)
			continue
		}
		got := r.obj(t)
		if (tc.id != "" && got["file_id"] != tc.id) || got["type"] != tc.typ || got["parent_id"] == "" {
			t.Errorf("file/id %v: %v, want id %s type %s", tc.body, got, tc.id, tc.typ)
		}
	}
	// Another user's folder is invisible.
	btok := e.login(bob)
	wantErr(t, e.call(btok, "POST", "/file/id", map[string]any{"parent_id": a["id"], "path": ""}), 404, 20)
}

// §11.11: makedir answers 201 with a File object, 400/30 on a taken name
// without resolve, name(1) with resolve, 404/20 and 400/91 for bad targets.
func TestMakedir(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	r := e.call(tok, "POST", "/file/makedir", map[string]any{"target": e.home(), "name": "d", "resolve": false})
	wantOK(t, r, 201)
	d := r.obj(t)
	if d["type"] != "D" || d["name"] != "d" || d["parent_id"] != e.home() || d["size"] != 0.0 {
		t.Errorf("makedir answer %v", d)
	}
	wantErr(t, e.call(tok, "POST", "/file/makedir", map[string]any{"target": e.home(), "name": "d", "resolve": false}), 400, 30)
	if got := e.call(tok, "POST", "/file/makedir", map[string]any{"target": e.home(), "name": "d"}).obj(t)["name"]; got != "d(1)" {
		t.Errorf("makedir with default resolve: %v, want d(1)", got)
	}
	if got := e.call(tok, "POST", "/file/makedir", map[string]any{"name": "v1.2"}).obj(t)["name"]; got != "v1.2" {
		t.Errorf("makedir without target (home): %v", got)
	}
	if got := e.call(tok, "POST", "/file/makedir", map[string]any{"name": "v1.2"}).obj(t)["name"]; got != "v1.2(1)" {
		t.Errorf("folder rename puts the number at the end: %v", got)
	}
	e.link(tok, e.home(), "file", -1)
	wantErr(t, e.call(tok, "POST", "/file/makedir", map[string]any{"target": e.home(), "name": "file", "resolve": false}), 400, 30)
	fid, _, _ := e.link(tok, e.home(), "plain", -1)
	wantErr(t, e.call(tok, "POST", "/file/makedir", map[string]any{"target": fid, "name": "x"}), 400, 91)
	wantErr(t, e.call(tok, "POST", "/file/makedir", map[string]any{"target": "00000000-0000-4000-8000-000000000000", "name": "x"}), 404, 20)
	trash := e.call(tok, "POST", "/file/id", map[string]any{"path": "Trash"}).obj(t)["file_id"]
	wantErr(t, e.call(tok, "POST", "/file/makedir", map[string]any{"target": trash, "name": "x"}), 400, 70)
}

// §11.22: concurrent makedirs of one name without resolve: one wins, the
// others get code 30.
func TestMakedirRace(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	var wg sync.WaitGroup
	results := make([]resp, 10)
	for i := range results {
		wg.Go(func() {
			results[i] = e.call(tok, "POST", "/file/makedir", map[string]any{"target": e.home(), "name": "race", "resolve": false})
		})
	}
	wg.Wait()
	won := 0
	for _, r := range results {
		if r.status == 201 {
			won++
			continue
		}
		wantErr(t, r, 400, 30)
	}
	if won != 1 {
		t.Errorf("%d makedirs succeeded, want 1", won)
	}
}

// §11.12 and §11.20: folder size is the child count, times are numbers,
// content lists every child, the home holds the Trash (type T).
func TestListing(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	dir := e.call(tok, "POST", "/file/makedir", map[string]any{"target": e.home(), "name": "list"}).obj(t)["id"].(string)
	for _, n := range []string{"a", "b", "c"} {
		e.link(tok, dir, n, -1)
	}
	var obj struct {
		Size       int64             `json:"size"`
		Type       string            `json:"type"`
		Created    json.Number       `json:"created"`
		Modified   int64             `json:"modified"`
		ModifiedMS json.Number       `json:"modified_ms"`
		Content    *[]map[string]any `json:"content"`
	}
	e.call(tok, "GET", "/file/metadata/"+dir, nil).json(t, &obj)
	if obj.Size != 3 || obj.Type != "D" || obj.Content == nil || len(*obj.Content) != 3 || obj.Created == "" || obj.ModifiedMS == "" || obj.Modified == 0 {
		t.Errorf("folder listing %+v", obj)
	}
	for _, c := range *obj.Content {
		if c["type"] != "F" || c["size"] != 0.0 {
			t.Errorf("placeholder child %v, want type F size 0", c)
		}
	}
	var bare map[string]any
	e.call(tok, "GET", "/file/metadata/"+dir+"?content=0", nil).json(t, &bare)
	if _, ok := bare["content"]; ok || bare["size"] != 3.0 {
		t.Errorf("content=0: %v", bare)
	}
	wantErr(t, e.call(tok, "GET", "/file/metadata/"+dir+"?content=2", nil), 400, 10)
	wantErr(t, e.call(tok, "GET", "/file/metadata/00000000-0000-4000-8000-000000000000", nil), 404, 20)
	var homeObj struct {
		ID      string `json:"id"`
		Content []struct {
			Name, Type string
		} `json:"content"`
	}
	e.call(tok, "GET", "/file/metadata", nil).json(t, &homeObj)
	hasTrash := false
	for _, c := range homeObj.Content {
		hasTrash = hasTrash || (c.Name == "Trash" && c.Type == "T")
	}
	if homeObj.ID != e.home() || !hasTrash {
		t.Errorf("home listing %+v, want the Trash of type T", homeObj)
	}
	// POST /file/metadata sets the mtime with microseconds.
	fid, _, _ := e.link(tok, dir, "m", -1)
	var set struct {
		ModifiedMS json.Number `json:"modified_ms"`
		Modified   int64       `json:"modified"`
	}
	e.call(tok, "POST", "/file/metadata", map[string]any{"id": fid, "mtime": 1690000000.123456}).json(t, &set)
	if set.ModifiedMS != "1690000000.123456" || set.Modified != 1690000000 {
		t.Errorf("set mtime: %+v", set)
	}
}

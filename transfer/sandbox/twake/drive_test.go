package twake

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Drive requests are written as raw JSON in the shapes of the real
// schemas (documents web/schemas.ts createDocumentSchema), not with any
// client's types.

func (e *tenv) itemsPath() string {
	return documentsPrefix + "/companies/" + e.api.CompanyID() + "/item"
}

var jsonHdr = map[string]string{"Content-Type": "application/json"}

func (e *tenv) postItem(t testing.TB, body string) (int, []byte) {
	t.Helper()
	return e.do(t, "POST", e.itemsPath(), jsonHdr, []byte(body))
}

func (e *tenv) folder(t testing.TB, parent, name string) createdItem {
	t.Helper()
	b := ok(t)(e.postItem(t, `{"item":{"company_id":"`+e.api.CompanyID()+`","parent_id":"`+parent+`","name":"`+name+`","is_directory":true},"version":{}}`))
	var it createdItem
	if err := json.Unmarshal(b, &it); err != nil || it.ID == "" || !it.IsDirectory {
		t.Fatalf("folder answer %s: %v", b, err)
	}
	return it
}

// fileItemBody is the body the web client sends to register file id.
func (e *tenv) fileItemBody(parent, name, id string) string {
	return `{"item":{"company_id":"` + e.api.CompanyID() + `","workspace_id":"drive","parent_id":"` + parent +
		`","name":"` + name + `"},"version":{"provider":"internal","application_id":"","file_metadata":` +
		`{"name":"` + name + `","mime":"text/plain","thumbnails":[],"source":"internal","external_id":"` + id + `"}}}`
}

// upload stores data as a complete one-chunk file and returns its id.
func (e *tenv) upload(t testing.TB, data []byte) string {
	t.Helper()
	id := e.initFile(t)
	ok(t)(e.chunk(t, id, plan(1, 1, int64(len(data)), "f.txt"), data))
	return id
}

func TestDriveFolderRenameRule(t *testing.T) {
	e := start(t, false, nil)
	a := e.folder(t, rootID, "a")
	if a.ParentID != rootID || a.Name != "a" {
		t.Fatalf("folder %+v", a)
	}
	// getItemName: "-2" inserted before the extension, repeatedly.
	for _, want := range []string{"a-2", "a-2-2"} {
		if again := e.folder(t, rootID, "a"); again.Name != want {
			t.Fatalf("taken folder name gave %q, want %q", again.Name, want)
		}
	}
	b := e.folder(t, a.ID, "v1.2.tar")
	if again := e.folder(t, a.ID, "v1.2.tar"); again.Name != "v1.2-2.tar" {
		t.Fatalf("dotted name gave %q", again.Name)
	}
	_ = b
}

func TestNextName(t *testing.T) {
	for in, want := range map[string]string{
		"a.txt": "a-2.txt", "a-2.txt": "a-2-2.txt", "a": "a-2", ".bashrc": "-2.bashrc", "a.": "a.-2", "a.tar.gz": "a.tar-2.gz",
	} {
		if got := nextName(in); got != want {
			t.Errorf("nextName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDriveFileItem(t *testing.T) {
	e := start(t, false, nil)
	folder := e.folder(t, rootID, "b")
	id := e.upload(t, []byte("hello"))
	b := ok(t)(e.postItem(t, e.fileItemBody(folder.ID, "n.txt", id)))
	// The answer went through documentSchema: file_metadata.size a string.
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if _, has := raw["workspace_id"]; has {
		t.Fatalf("answer keeps a key documentSchema drops: %s", b)
	}
	lvc, _ := raw["last_version_cache"].(map[string]any)
	fm, _ := lvc["file_metadata"].(map[string]any)
	if fm["external_id"] != id || fm["size"] != "5" || raw["is_in_trash"] != false || raw["size"] != 5.0 {
		t.Fatalf("create answer %s", b)
	}
	// Same name again: renamed, both kept.
	var again createdItem
	if err := json.Unmarshal(ok(t)(e.postItem(t, e.fileItemBody(folder.ID, "n.txt", id))), &again); err != nil || again.Name != "n-2.txt" {
		t.Fatalf("second item %+v %v", again, err)
	}
	// The listing shows every child as a full entity with its
	// last_version_cache, so a client finds its item without reading each.
	var d struct {
		Item     map[string]any `json:"item"`
		Children []map[string]any
	}
	if err := json.Unmarshal(ok(t)(e.do(t, "GET", e.itemsPath()+"/"+folder.ID, nil, nil)), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Children) != 2 {
		t.Fatalf("children %v", d.Children)
	}
	for _, ch := range d.Children {
		lvc, _ := ch["last_version_cache"].(map[string]any)
		fm, _ := lvc["file_metadata"].(map[string]any)
		if fm["external_id"] != id || fm["size"] != 5.0 || ch["is_in_trash"] != false {
			t.Fatalf("child %v", ch)
		}
	}
	if n := e.node(t, "/drive/b/n-2.txt"); n.SHA256 != fmt.Sprintf("%x", sha256.Sum256([]byte("hello"))) {
		t.Fatalf("item content %+v", n)
	}
	var root struct {
		Item map[string]any `json:"item"`
	}
	if err := json.Unmarshal(ok(t)(e.do(t, "GET", e.itemsPath()+"/root", nil, nil)), &root); err != nil || len(root.Item) != 4 || root.Item["parent_id"] != nil {
		t.Fatalf("root item %v %v", root.Item, err)
	}
}

// TW-DRIVE-1: every failure inside create is the generic 500; only the
// schema check before the handler is a 400.
func TestDriveCreateErrorsAre500(t *testing.T) {
	e := start(t, false, nil)
	noChunk := e.initFile(t)
	for name, body := range map[string]string{
		"unknown parent":  `{"item":{"parent_id":"0b9f8f8e-aaaa-4222-8333-444455556666","name":"x","is_directory":true},"version":{}}`,
		"unknown file":    e.fileItemBody("root", "x.txt", "0b9f8f8e-aaaa-4222-8333-444455556666"),
		"file never sent": e.fileItemBody("root", "x.txt", noChunk),
		"slash in name":   `{"item":{"parent_id":"root","name":"x/y","is_directory":true},"version":{}}`,
	} {
		st, b := e.postItem(t, body)
		if st != 500 || !strings.Contains(string(b), "Something went wrong") {
			t.Errorf("%s: %d %s", name, st, b)
		}
	}
	for name, body := range map[string]string{"no version": `{"item":{"name":"x"}}`, "no item": `{"version":{}}`, "bad JSON": `[`} {
		if st, b := e.postItem(t, body); st != 400 {
			t.Errorf("%s: %d %s", name, st, b)
		}
	}
	// authenticateOptional: a bad token is no user: create fails as 500,
	// reading root is 401 "no access", an unknown item 404.
	bad := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer nope"}
	if st, b := e.do(t, "POST", e.itemsPath(), bad, []byte(`{"item":{"name":"x","is_directory":true},"version":{}}`)); st != 500 {
		t.Errorf("create, bad token: %d %s", st, b)
	}
	if st, b := e.do(t, "GET", e.itemsPath()+"/root", bad, nil); st != 401 || !strings.Contains(string(b), "does not have access") {
		t.Errorf("get root, bad token: %d %s", st, b)
	}
	if st, b := e.do(t, "GET", e.itemsPath()+"/0b9f8f8e-aaaa-4222-8333-444455556666", bad, nil); st != 404 {
		t.Errorf("get unknown, bad token: %d %s", st, b)
	}
	// A company the user is not in: a guest who may read its (empty) root.
	other := strings.Replace(e.itemsPath(), e.api.CompanyID(), "0b9f8f8e-aaaa-4222-8333-444455556666", 1)
	if st, b := e.do(t, "GET", other+"/root", nil, nil); st != 200 || !strings.Contains(string(b), `"children":[]`) {
		t.Errorf("other company root: %d %s", st, b)
	}
	if st, b := e.do(t, "POST", other, jsonHdr, []byte(`{"item":{"name":"x","is_directory":true},"version":{}}`)); st != 500 {
		t.Errorf("other company create: %d %s", st, b)
	}
}

// Strict: what the real server accepts but no client should send.
func TestDriveStrictItem(t *testing.T) {
	e := start(t, true, nil)
	for name, body := range map[string]string{
		"no name":         `{"item":{"parent_id":"root","is_directory":true},"version":{}}`,
		"no external id":  `{"item":{"parent_id":"root","name":"x.txt"},"version":{}}`,
		"another company": `{"item":{"company_id":"0b9f8f8e-aaaa-4222-8333-444455556666","parent_id":"root","name":"x","is_directory":true},"version":{}}`,
	} {
		if st, b := e.postItem(t, body); st != 400 || !strings.Contains(string(b), "sandbox strict") {
			t.Errorf("%s: %d %s", name, st, b)
		}
	}
	// What the web client sends passes.
	ok(t)(e.postItem(t, e.fileItemBody("root", "w.txt", e.upload(t, []byte("w")))))
}

func TestCredentials(t *testing.T) {
	e := start(t, true, nil)
	creds := e.srv.Credentials()
	if len(creds) != 1 || creds[0].API != Name || !strings.Contains(creds[0].Note, e.api.CompanyID()) {
		t.Fatalf("credentials %+v", creds)
	}
	c, err := e.api.verify("Bearer " + creds[0].Value)
	if err != nil {
		t.Fatalf("printed token does not verify: %v", err)
	}
	if left := time.Until(c.ExpiresAt.Time); left < 365*24*time.Hour {
		t.Fatalf("printed token expires in %v; want a long-lived one", left)
	}
	// The token never shows in the request log.
	e.tok = creds[0].Value
	e.initFile(t)
	for _, l := range e.srv.Log() {
		if strings.Contains(l.Path, e.tok) || strings.Contains(l.Header["Authorization"], e.tok) {
			t.Fatalf("token in log entry %+v", l)
		}
	}
}

func TestExpireFaultForgetsFile(t *testing.T) {
	e := startCfg(t, sandbox.Config{
		Strict: true, Switches: map[string]bool{SwitchTDrive: true},
		Faults: sandbox.FaultProfile{Expire: 1},
	})
	id := e.initFile(t)
	if st, b := e.chunk(t, id, plan(1, 2, 2, "x"), []byte("a")); st != 404 {
		t.Fatalf("chunk after expiry: %d %s", st, b)
	}
	if _, found := e.api.Completion("", id); found {
		t.Fatal("expired file still known")
	}
	if n := e.srv.Stats().Faults["expire"]; n == 0 {
		t.Fatal("expire fault not counted")
	}
}

func TestDeleteRemovesEverything(t *testing.T) {
	e := start(t, true, map[string]bool{SwitchTDrive: true})
	id := e.initFile(t)
	ok(t)(e.chunk(t, id, plan(1, 2, 2, "x"), []byte("a")))
	ok(t)(e.do(t, "DELETE", e.filesPath()+"/"+id, nil, nil))
	if st, _ := e.do(t, "GET", e.filesPath()+"/"+id, nil, nil); st != 404 {
		t.Fatalf("deleted file: %d", st)
	}
	for _, n := range e.srv.Tree(Name) {
		if strings.Contains(n.Path, id) {
			t.Fatalf("leftover %s after delete", n.Path)
		}
	}
}

// Naming a new item asks the store about the names it tries, never lists
// the folder: the 150th folder created in one parent costs what the first
// did (no Children call returns anything).
func TestDriveItemNameDoesNotListTheFolder(t *testing.T) {
	e := start(t, false, nil)
	p := e.folder(t, rootID, "many")
	before := e.srv.Store().Listed()
	for i := range 150 {
		e.folder(t, p.ID, fmt.Sprintf("d%d", i))
	}
	if it := e.folder(t, p.ID, "d7"); it.Name != "d7-2" { // taken: renamed by getItemName's rule
		t.Fatalf("a second d7 is called %q, want d7-2", it.Name)
	}
	if n := e.srv.Store().Listed() - before; n != 0 {
		t.Fatalf("creating 151 folders in one parent listed %d nodes; want 0", n)
	}
}

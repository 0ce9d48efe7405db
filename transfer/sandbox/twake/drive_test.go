package twake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
	"github.com/ferry-sync/ferry/transfer/sandbox"
)

func (e *tenv) itemsPath() string {
	return api.DocumentsPrefix + "/companies/" + e.api.CompanyID() + "/item"
}

func (e *tenv) postItem(t testing.TB, req api.DriveItemRequest) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return e.do(t, "POST", e.itemsPath(), map[string]string{"Content-Type": "application/json"}, b)
}

func (e *tenv) folder(t testing.TB, parent, name string) api.DriveItem {
	t.Helper()
	b := ok(t)(e.postItem(t, api.DriveItemRequest{Item: api.DriveItem{
		CompanyID: e.api.CompanyID(), ParentID: parent, Name: name, IsDirectory: true,
	}}))
	var it api.DriveItem
	if err := json.Unmarshal(b, &it); err != nil || it.ID == "" || !it.IsDirectory {
		t.Fatalf("folder answer %s: %v", b, err)
	}
	return it
}

func TestDriveFoldersAndFiles(t *testing.T) {
	e := start(t, true, nil)
	a := e.folder(t, api.RootFolderID, "a")
	b := e.folder(t, a.ID, "b")
	if a.ParentID != "root" || b.ParentID != a.ID {
		t.Fatalf("parents %q %q", a.ParentID, b.ParentID)
	}
	if again := e.folder(t, api.RootFolderID, "a"); again.Name != "a (1)" {
		t.Fatalf("second folder a named %q, want both kept", again.Name)
	}
	id := e.initFile(t)
	data := []byte("drive content")
	ok(t)(e.chunk(t, id, plan(1, 1, int64(len(data)), "doc.txt"), data))
	fileReq := func(name, ext string) api.DriveItemRequest {
		empty := ""
		return api.DriveItemRequest{
			Item: api.DriveItem{CompanyID: e.api.CompanyID(), WorkspaceID: "drive", ParentID: b.ID, Name: name, Size: int64(len(data))},
			Version: api.DriveVersion{Provider: "internal", ApplicationID: &empty, FileMetadata: &api.DriveFileMetadata{
				Name: name, Size: int64(len(data)), Source: "internal", ExternalID: ext,
			}},
		}
	}
	var it api.DriveItem
	if err := json.Unmarshal(ok(t)(e.postItem(t, fileReq("doc.txt", id))), &it); err != nil || it.IsDirectory || it.Name != "doc.txt" {
		t.Fatalf("file item %+v: %v", it, err)
	}
	sum := sha256.Sum256(data)
	if n := e.node(t, "/drive/a/b/doc.txt"); n.Kind != "file" || n.SHA256 != hex.EncodeToString(sum[:]) || n.Meta["external_id"] != id {
		t.Fatalf("drive file %+v", n)
	}
	var d api.DriveItemDetails
	if err := json.Unmarshal(ok(t)(e.do(t, "GET", e.itemsPath()+"/"+b.ID, nil, nil)), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Children) != 1 || d.Children[0].Name != "doc.txt" || d.Children[0].ParentID != b.ID || d.Item.ID != b.ID {
		t.Fatalf("listing %+v", d)
	}
	if err := json.Unmarshal(ok(t)(e.do(t, "GET", e.itemsPath()+"/root", nil, nil)), &d); err != nil || len(d.Children) != 2 {
		t.Fatalf("root listing %+v: %v", d, err)
	}
	if err := json.Unmarshal(ok(t)(e.do(t, "GET", e.itemsPath()+"/"+it.ID, nil, nil)), &d); err != nil ||
		len(d.Versions) != 1 || d.Versions[0].FileMetadata.ExternalID != id {
		t.Fatalf("file item details %+v: %v", d, err)
	}

	// Refusals: incomplete or unknown files, unknown parents, bad bodies,
	// other companies, store internals addressed as items.
	partial := e.initFile(t)
	ok(t)(e.chunk(t, partial, plan(1, 2, 4, "p.bin"), []byte("ab")))
	for name, req := range map[string]api.DriveItemRequest{
		"incomplete": fileReq("p.bin", partial), "unknown": fileReq("u.bin", "0b9f8f8e-1111-4222-8333-444455556666"),
		"no external id": fileReq("n.bin", ""), "no name": {Item: api.DriveItem{ParentID: "root", IsDirectory: true}},
		"slash": {Item: api.DriveItem{ParentID: "root", Name: "x/y", IsDirectory: true}},
	} {
		if st, body := e.postItem(t, req); st != 400 {
			t.Errorf("%s: %d %s", name, st, body)
		}
	}
	for _, parent := range []string{"nope", e.node(t, "/files/"+id).ID} {
		if st, body := e.postItem(t, api.DriveItemRequest{Item: api.DriveItem{ParentID: parent, Name: "x", IsDirectory: true}}); st != 404 {
			t.Errorf("parent %s: %d %s", parent, st, body)
		}
	}
	if st, body := e.do(t, "POST", e.itemsPath(), map[string]string{"Content-Type": "application/json"}, []byte("[")); st != 400 {
		t.Errorf("bad JSON: %d %s", st, body)
	}
	other := strings.Replace(e.itemsPath(), e.api.CompanyID(), "0b9f8f8e-aaaa-4222-8333-444455556666", 1)
	if st, body := e.do(t, "GET", other+"/root", nil, nil); st != 403 {
		t.Errorf("other company: %d %s", st, body)
	}
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

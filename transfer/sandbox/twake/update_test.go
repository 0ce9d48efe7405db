package twake

import (
	"encoding/json"
	"testing"
)

func (e *tenv) update(t testing.TB, id, body string, hdr map[string]string) (int, []byte) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range hdr {
		h[k] = v
	}
	return e.do(t, "POST", e.itemsPath()+"/"+id, h, []byte(body))
}

// TW-DRIVE-UPD-*: rename and move through the update route.
func TestDriveItemUpdate(t *testing.T) {
	e := start(t, false, nil)
	a, b := e.folder(t, rootID, "a"), e.folder(t, rootID, "b")
	sub := e.folder(t, a.ID, "sub")
	id := e.upload(t, []byte("hello"))
	var file createdItem
	if err := json.Unmarshal(ok(t)(e.postItem(t, e.fileItemBody(a.ID, "n.txt", id))), &file); err != nil {
		t.Fatal(err)
	}
	ok(t)(e.postItem(t, e.fileItemBody(b.ID, "m.txt", id)))

	// Rename and move in one call; the answer is the saved entity.
	var out driveItem
	if err := json.Unmarshal(ok(t)(e.update(t, file.ID, `{"name":"m.txt","parent_id":"`+b.ID+`"}`, nil)), &out); err != nil {
		t.Fatal(err)
	}
	// TW-DRIVE-UPD-2: the name is checked against the NEW parent (taken
	// by m.txt there: "-2"), never overwriting it.
	if out.ID != file.ID || out.ParentID == nil || *out.ParentID != b.ID || out.Name != "m-2.txt" {
		t.Fatalf("update answer %+v", out)
	}
	e.node(t, "/drive/b/m-2.txt")
	e.node(t, "/drive/b/m.txt")
	// Keeping its own name is no conflict.
	if err := json.Unmarshal(ok(t)(e.update(t, file.ID, `{"name":"m-2.txt"}`, nil)), &out); err != nil || out.Name != "m-2.txt" {
		t.Fatalf("same name: %+v %v", out, err)
	}
	// A folder moves with its contents.
	ok(t)(e.update(t, sub.ID, `{"name":"sub2","parent_id":"`+b.ID+`"}`, nil))
	e.node(t, "/drive/b/sub2")

	// TW-DRIVE-UPD-1/3/4: every refusal is the generic 500.
	for name, c := range map[string]struct {
		id, body string
		hdr      map[string]string
	}{
		"no token":        {file.ID, `{"name":"x"}`, map[string]string{"Authorization": ""}},
		"unknown item":    {"00000000-0000-0000-0000-000000000000", `{"name":"x"}`, nil},
		"id mismatch":     {file.ID, `{"id":"` + b.ID + `","name":"x"}`, nil},
		"into itself":     {b.ID, `{"parent_id":"` + b.ID + `"}`, nil},
		"below itself":    {b.ID, `{"parent_id":"` + sub.ID + `"}`, nil},
		"into a file":     {sub.ID, `{"parent_id":"` + file.ID + `"}`, nil},
		"unknown parent":  {file.ID, `{"parent_id":"00000000-0000-0000-0000-000000000000"}`, nil},
		"the root itself": {rootID, `{"name":"x"}`, nil},
	} {
		if st, body := e.update(t, c.id, c.body, c.hdr); st != 500 {
			t.Errorf("%s: status %d %s, want 500", name, st, body)
		}
	}
	e.node(t, "/drive/b/m-2.txt") // nothing moved
	// Falsy keys change nothing (`if (content[key])`).
	if err := json.Unmarshal(ok(t)(e.update(t, file.ID, `{"name":"","parent_id":""}`, nil)), &out); err != nil || out.Name != "m-2.txt" || *out.ParentID != b.ID {
		t.Fatalf("empty keys: %+v %v", out, err)
	}
}

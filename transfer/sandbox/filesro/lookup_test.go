package filesro

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// Finding a file's folders by their names asks the API's folder index and
// the store by id, never lists the parent: the 100th upload next to many
// files costs what the first did. (The duplicate folders of the folder
// race, found lowest id first, are the rules tests' concern.)
func TestFolderLookupDoesNotListTheParent(t *testing.T) {
	e := newEnv(t, Options{}, sandbox.Config{LogSize: 16})
	tok := e.token("editor")
	put := func(i int, path string) {
		name := fmt.Sprintf("f%d.txt", i)
		key := fmt.Sprintf("k%015d-%s.part", i, name)
		if r := e.post(uploadsPath(tok), chunkParts(key, name, "x", true, field("path", path+name))); r.status != http.StatusCreated {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
	}
	for i := range 50 {
		put(i, "/") // files beside the folder
	}
	before := e.srv.Store().Listed()
	for i := range 100 {
		put(100+i, fmt.Sprintf("/d%d/e/", i%3))
	}
	if n := e.srv.Store().Listed() - before; n != 0 {
		t.Fatalf("100 uploads into folders listed %d nodes; want 0", n)
	}
	for i := range 3 {
		if _, ok := e.entry(fmt.Sprintf("/editor/d%d/e/f%d.txt", i, 100+i)); !ok {
			t.Errorf("file %d is not in /d%d/e/", 100+i, i)
		}
	}
}

package filesro

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// racePost sends n one-chunk uploads into path at once and returns the
// statuses.
func racePost(t *testing.T, e *env, path string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	status := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("f%d.txt", i)
			r := e.post(uploadsPath(e.token("editor")), chunkParts(fmt.Sprintf("key%d", i), name, "data", true, field("path", path+name)))
			status[i] = r.status
		}()
	}
	wg.Wait()
	for i, s := range status {
		if s != 201 {
			t.Fatalf("upload %d: %d", i, s)
		}
	}
}

func folderCount(e *env, name string) int {
	n := 0
	for _, en := range e.srv.Tree("filesro") {
		base := en.Path[strings.LastIndex(en.Path, "/")+1:]
		if en.Kind == sandbox.KindFolder && (base == name || strings.HasPrefix(base, name+DuplicateMark)) {
			n++
		}
	}
	return n
}

// TestFolderRaceDuplicates: GetFileParentId looks up, then creates, with
// no lock; concurrent last chunks into a new path each create the folder
// (the default, real model). With filesro.folderrace off the sandbox is
// atomic.
func TestFolderRaceDuplicates(t *testing.T) {
	e := newEnv(t, Options{FolderRaceWindow: 200 * time.Millisecond}, sandbox.Config{})
	racePost(t, e, "/new/", 4)
	if got := folderCount(e, "new"); got < 2 {
		t.Fatalf("%d folders named new after 4 concurrent first uploads; the real server's race makes duplicates", got)
	}
	// Later uploads go into one of them (first(): the lowest id), not a new one.
	before := folderCount(e, "new")
	if r := e.post(uploadsPath(e.token("editor")), chunkParts("late", "late.txt", "x", true, field("path", "/new/late.txt"))); r.status != 201 {
		t.Fatalf("late upload: %d", r.status)
	}
	if got := folderCount(e, "new"); got != before {
		t.Fatalf("a later upload made another folder: %d, was %d", got, before)
	}

	off := newEnv(t, Options{}, sandbox.Config{Switches: map[string]bool{"filesro.folderrace": false}})
	racePost(t, off, "/new/", 4)
	if got := folderCount(off, "new"); got != 1 {
		t.Fatalf("folderrace off: %d folders, want 1", got)
	}
}

// TestPathRequiredSwitch: files.ro's document marks path required; the
// named switch (off by default, not part of strict) refuses a chunk
// without it, as files.ro may.
func TestPathRequiredSwitch(t *testing.T) {
	e := strictEnv(t, Options{})
	if r := e.post(uploadsPath(e.token("editor")), chunkParts("k", "a.txt", "x", true)); r.status != 201 {
		t.Fatalf("strict, no path: %d %s (VFM's rule is sometimes)", r.status, r.body)
	}
	on := newEnv(t, Options{}, sandbox.Config{Switches: map[string]bool{"filesro.pathrequired": true}})
	r := on.post(uploadsPath(on.token("editor")), chunkParts("k", "a.txt", "x", true))
	if r.status != 422 || !contains(r.body, "The path field is required.") {
		t.Fatalf("pathrequired, no path: %d %s", r.status, r.body)
	}
	if r := on.post(uploadsPath(on.token("editor")), chunkParts("k2", "a.txt", "x", true, field("path", "/a.txt"))); r.status != 201 {
		t.Fatalf("pathrequired, path=/a.txt: %d %s", r.status, r.body)
	}
	on.mustFile("/editor/a.txt", "x")
}

// TestEmptyChunk: a zero-byte chunk is a file to PHP and is stored; the
// filesro.emptyrefused switch models a server that drops it.
func TestEmptyChunk(t *testing.T) {
	e := strictEnv(t, Options{})
	if r := e.post(uploadsPath(e.token("editor")), chunkParts("k", "empty.txt", "", true)); r.status != 201 || !contains(r.body, `"filesize":"0B"`) {
		t.Fatalf("empty chunk: %d %s", r.status, r.body)
	}
	e.mustFile("/editor/empty.txt", "")
	on := newEnv(t, Options{}, sandbox.Config{Switches: map[string]bool{"filesro.emptyrefused": true}})
	if r := on.post(uploadsPath(on.token("editor")), chunkParts("k", "empty.txt", "", true)); r.status != 422 {
		t.Fatalf("emptyrefused: %d %s", r.status, r.body)
	}
}

// TestCreatedAtFormat: 'd. M. Y, h:i' (helpers.php:1035).
func TestCreatedAtFormat(t *testing.T) {
	e := strictEnv(t, Options{})
	r := e.post(uploadsPath(e.token("editor")), chunkParts("k", "a.txt", "x", true))
	got, _ := r.json(t)["data"].(map[string]any)["attributes"].(map[string]any)["created_at"].(string)
	if _, err := time.Parse("02. Jan. 2006, 03:04", got); err != nil {
		t.Fatalf("created_at %q: %v", got, err)
	}
}

// TestUploadMaxFilesize: a chunk over PHP's upload_max_filesize is a 422
// "failed to upload", and nothing is appended.
func TestUploadMaxFilesize(t *testing.T) {
	e := strictEnv(t, Options{UploadMaxFilesize: 10})
	r := e.post(uploadsPath(e.token("editor")), chunkParts("k", "a.txt", "more than ten bytes", true))
	if r.status != 422 || r.json(t)["message"] != "The chunk failed to upload." {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if e.files() != 0 {
		t.Fatal("a refused chunk was stored")
	}
}

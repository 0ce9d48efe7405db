package filesro

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestChunkedUploadWithPath(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	path := field("path", "/docs/2024/report.pdf")
	chunks := []string{"first-", "second-", "third"}
	for i, c := range chunks {
		last := i == len(chunks)-1
		r := e.post(uploadsPath(tok), chunkParts("abcdefgh12345678-report.pdf.part", "report.pdf", c, last, path))
		if !last {
			if r.status != http.StatusOK || len(r.body) != 0 {
				t.Fatalf("chunk %d: %d %q, want 200 with an empty body", i, r.status, r.body)
			}
			if i == 0 && e.files() != 0 {
				t.Fatal("a file is visible before the last chunk")
			}
			continue
		}
		if r.status != http.StatusCreated {
			t.Fatalf("last chunk: %d %s", r.status, r.body)
		}
		data := r.json(t)["data"].(map[string]any)
		attrs := data["attributes"].(map[string]any)
		en := e.mustFile("/editor/docs/2024/report.pdf", strings.Join(chunks, ""))
		if data["id"] != en.ID || attrs["name"] != "report.pdf" || attrs["mimetype"] != "pdf" ||
			attrs["filesize"] != "18B" || data["type"] != "file" {
			t.Fatalf("resource = %s", r.body)
		}
		folder, _ := e.entry("/editor/docs/2024")
		if attrs["parent_id"] != folder.ID {
			t.Fatalf("parent_id %v, want %s", attrs["parent_id"], folder.ID)
		}
		rel := data["relationships"].(map[string]any)
		if rel["parent"].(map[string]any)["data"].(map[string]any)["id"] != folder.ID {
			t.Fatalf("relationships = %v", rel)
		}
	}
	if p := e.api.Pending(); len(p) != 0 {
		t.Fatalf("pending after finish: %+v", p)
	}
}

func TestDownloadLink(t *testing.T) {
	e := strictEnv(t, Options{})
	r := e.post(uploadsPath(e.token("editor")), chunkParts("k", "a.txt", "download me", true))
	url := r.json(t)["data"].(map[string]any)["attributes"].(map[string]any)["file_url"].(string)
	resp, err := e.c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "download me" {
		t.Fatalf("GET %s: %d %q", url, resp.StatusCode, body)
	}
	if resp, err := e.c.Get(e.srv.BaseURL() + "/file/nope.txt"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("unknown file: %v", err)
	} else {
		resp.Body.Close()
	}
}

func TestSingleChunkAndSimpleUpload(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	if r := e.post(uploadsPath(tok), chunkParts("k1-one.txt.part", "one.txt", "only", true)); r.status != 201 {
		t.Fatalf("single chunk: %d %s", r.status, r.body)
	}
	e.mustFile("/editor/one.txt", "only")
	// files.ro multiplexes the simple upload on the same path.
	r := e.post(uploadsPath(tok), []part{filePart("file", "simple.bin", "simple body")})
	if r.status != 201 {
		t.Fatalf("simple upload: %d %s", r.status, r.body)
	}
	e.mustFile("/editor/simple.bin", "simple body")
	// The VueFileManager paths of the same handlers.
	if r := e.post("/api/sharing/upload/chunks/"+tok, chunkParts("k2-vfm.txt.part", "vfm.txt", "vfm", true)); r.status != 201 {
		t.Fatalf("VFM chunks: %d %s", r.status, r.body)
	}
	if r := e.post("/api/sharing/upload/"+tok, []part{filePart("file", "vfm2.txt", "x"), field("path", "/in/vfm2.txt")}); r.status != 201 {
		t.Fatalf("VFM simple: %d %s", r.status, r.body)
	}
	e.mustFile("/editor/vfm.txt", "vfm")
	e.mustFile("/editor/in/vfm2.txt", "x")
}

func TestEmptyFileAndNoDotName(t *testing.T) {
	e := strictEnv(t, Options{})
	parts := []part{field("name", "Makefile"), field("extension", "Makefile"), field("is_last_chunk", "1"), filePart("chunk", "k-Makefile.part", "")}
	if r := e.post(uploadsPath(e.token("editor")), parts); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	e.mustFile("/editor/Makefile", "")
}

// TestPathRules covers section 2.5 including its odd cases.
func TestPathRules(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	cases := []struct{ path, want string }{
		{"/Documents/Photos/wallpaper.jpg", "/editor/Documents/Photos/f1"},
		{"/tru/man/mora/", "/editor/tru/man/mora/f2"},
		{"/Documents/Photos", "/editor/Documents/f3"},                  // the last element is dropped even without a file name
		{"Documents/Photos/x.jpg", "/editor/Photos/f4"},                // no leading slash: the first element is dropped
		{"/f5", "/editor/f5"},                                          // empty list: the parent itself
		{"/Documents/Photos/again.jpg", "/editor/Documents/Photos/f6"}, // existing folders are reused
	}
	for i, c := range cases {
		name := "f" + string(rune('1'+i))
		r := e.post(uploadsPath(tok), chunkParts("key"+name, name, "data"+name, true, field("path", c.path)))
		if r.status != 201 {
			t.Fatalf("path %q: %d %s", c.path, r.status, r.body)
		}
		e.mustFile(c.want, "data"+name)
	}
	photos := 0
	for _, en := range e.srv.Tree("filesro") {
		if en.Path == "/editor/Documents/Photos" {
			photos++
		}
	}
	if photos != 1 {
		t.Fatalf("Photos folder exists %d times", photos)
	}
	// An empty segment would make the real server create a folder with an
	// empty name; the sandbox refuses it visibly instead.
	if r := e.post(uploadsPath(tok), chunkParts("keyx", "x", "x", true, field("path", "//a/x"))); r.status != 422 {
		t.Fatalf("empty segment: %d %s", r.status, r.body)
	}
}

func TestParentID(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	if r := e.post(uploadsPath(tok), chunkParts("k0", "seed", "s", true, field("path", "/sub/seed"))); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	sub, _ := e.entry("/editor/sub")
	if r := e.post(uploadsPath(tok), chunkParts("k1", "in-sub", "x", true, field("parent_id", sub.ID), field("path", "/deeper/in-sub"))); r.status != 201 {
		t.Fatalf("parent in share: %d %s", r.status, r.body)
	}
	e.mustFile("/editor/sub/deeper/in-sub", "x")
	for name, pid := range map[string]string{
		"other share":  e.folder("visitor"),
		"unknown uuid": "0f8fad5b-d9cb-469f-a165-70867728950e",
		"a file":       e.mustFile("/editor/sub/seed", "s").ID,
	} {
		r := e.post(uploadsPath(tok), chunkParts("k-"+name, "x", "x", true, field("parent_id", pid)))
		if r.status != 403 {
			t.Errorf("parent_id %s: %d %s, want 403", name, r.status, r.body)
		}
	}
}

// TestConcurrentKeyStrict holds one request for a key open mid-body and
// sends a second one for the same key.
func TestConcurrentKeyStrict(t *testing.T) {
	for _, strict := range []bool{true, false} {
		e := newEnv(t, Options{}, sandboxConfig(strict))
		tok := e.token("editor")
		key := "k-conc.part"
		slow := newSlowRequest(t, e, uploadsPath(tok), chunkParts(key, "conc", strings.Repeat("a", 1000), false))
		slow.waitClaimed(key)
		r := e.post(uploadsPath(tok), chunkParts(key, "conc", "b", false))
		res := slow.finish()
		if strict {
			if r.status != http.StatusConflict || res.status != 200 {
				t.Fatalf("strict: second %d %s, first %d", r.status, r.body, res.status)
			}
			continue
		}
		if r.status != 200 || res.status != 200 {
			t.Fatalf("lenient: second %d %s, first %d", r.status, r.body, res.status)
		}
		// Both appended, in arrival order: the interleaving a real server allows.
		if p := e.api.Pending(); len(p) != 1 || p[0].Bytes != 1001 {
			t.Fatalf("pending = %+v", p)
		}
	}
}

func TestSameFieldsStrict(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	if r := e.post(uploadsPath(tok), chunkParts("k", "a.txt", "1", false)); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := e.post(uploadsPath(tok), chunkParts("k", "b.txt", "2", true)); r.status != 422 {
		t.Fatalf("changed name: %d %s, want 422", r.status, r.body)
	}
	lenient := newEnv(t, Options{}, sandboxConfig(false))
	tok = lenient.token("editor")
	lenient.post(uploadsPath(tok), chunkParts("k", "a.txt", "1", false))
	if r := lenient.post(uploadsPath(tok), chunkParts("k", "b.txt", "2", true)); r.status != 201 {
		t.Fatalf("lenient changed name: %d %s", r.status, r.body)
	}
	lenient.mustFile("/editor/b.txt", "12") // name comes from the last request, bytes from the key
}

func TestConcurrentFoldersOneCopy(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			name := "p" + string(rune('a'+i))
			if r := e.post(uploadsPath(tok), chunkParts("k"+name, name, name, true, field("path", "/same/dir/"+name))); r.status != 201 {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
		})
	}
	wg.Wait()
	n := 0
	for _, en := range e.srv.Tree("filesro") {
		if en.Path == "/editor/same" || en.Path == "/editor/same/dir" {
			n++
		}
	}
	if n != 2 || e.files() != 8 {
		t.Fatalf("folders %d (want 2), files %d (want 8): %+v", n, e.files(), e.srv.Tree("filesro"))
	}
}

func TestDuplicateNameKeepsBoth(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	e.post(uploadsPath(tok), chunkParts("k1", "dup.txt", "one", true))
	r := e.post(uploadsPath(tok), chunkParts("k2", "dup.txt", "two", true))
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// ProcessFileAction.php:88-97 inserts the name as sent: two rows, one
	// name. The store marks the second (inspection only).
	if got := r.json(t)["data"].(map[string]any)["attributes"].(map[string]any)["name"]; got != "dup.txt" {
		t.Fatalf("second name %v, want dup.txt (kept, not renamed)", got)
	}
	e.mustFile("/editor/dup.txt", "one")
	e.mustFile("/editor/dup.txt"+DuplicateMark+"1)", "two")
}

func TestEmptyRelationships(t *testing.T) {
	e := strictEnv(t, Options{EmptyRelationships: true})
	r := e.post(uploadsPath(e.token("editor")), chunkParts("k", "a.png", "\x89PNG\r\n\x1a\nrest", true))
	if r.status != 201 || !contains(r.body, `"relationships":[]`) || !contains(r.body, `"type":"image"`) {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func TestHumanSize(t *testing.T) {
	// ByteUnits\Metric: "%d" + unit for bytes, "%.2f" + unit otherwise, no
	// space (byte-units Formatter.php formatInByteUnit).
	for n, want := range map[int64]string{
		0: "0B", 999: "999B", 1000: "1.00kB", 1234: "1.23kB", 1_200_000: "1.20MB",
		64_000_000: "64.00MB", 5_368_709_120: "5.37GB",
	} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// Only a file_url's exact basename downloads the file, as when the index
// was keyed by the whole string: not the same UUID with another
// extension or none, nor its upper-case spelling; and a file stored after
// many others still downloads.
func TestDownloadLinkExactBasename(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	url := func(r reply) string {
		return r.json(t)["data"].(map[string]any)["attributes"].(map[string]any)["file_url"].(string)
	}
	first := url(e.post(uploadsPath(tok), chunkParts("k0", "a.txt", "download me", true)))
	for i := range 50 {
		e.post(uploadsPath(tok), chunkParts(fmt.Sprintf("k%d", i+1), fmt.Sprintf("b%d.txt", i), "other", true))
	}
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := e.c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(first); code != 200 || body != "download me" {
		t.Fatalf("GET %s: %d %q", first, code, body)
	}
	base := first[strings.LastIndexByte(first, '/')+1:]
	uuid := strings.TrimSuffix(base, ".txt")
	prefix := strings.TrimSuffix(first, base)
	for _, bad := range []string{uuid + ".bin", uuid, strings.ToUpper(uuid) + ".txt", uuid + ".txt.txt"} {
		if code, _ := get(prefix + bad); code != 404 {
			t.Errorf("GET /file/%s: %d, want 404", bad, code)
		}
	}
}

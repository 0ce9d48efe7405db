package quatrix_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	"github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// §11.13: upload/link creates a visible placeholder at once; resolve
// defaults to true ("a(1).txt"); resolve false on a taken name is 30.
func TestUploadLink(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	fid, key, name := e.link(tok, e.home(), "a.txt", 5)
	if name != "a.txt" || fid == "" || key == "" {
		t.Fatalf("link: %s %s %s", fid, key, name)
	}
	if n, ok := e.node("a.txt"); !ok || n.Kind != sandbox.KindPlaceholder || n.ID != fid || n.Size != 0 {
		t.Fatalf("placeholder %+v (found %v)", n, ok)
	}
	r := e.call(tok, "POST", "/upload/link", map[string]any{"name": "a.txt", "parent_id": e.home()})
	if got := r.obj(t)["name"]; got != "a(1).txt" {
		t.Errorf("default resolve: %v, want a(1).txt", got)
	}
	wantErr(t, e.call(tok, "POST", "/upload/link", map[string]any{"name": "a.txt", "parent_id": e.home(), "resolve": false}), 400, 30)
	wantErr(t, e.call(tok, "POST", "/upload/link", map[string]any{"name": "x", "parent_id": fid}), 400, 91)
	wantErr(t, e.call(tok, "POST", "/upload/link", map[string]any{"name": "x", "parent_id": "00000000-0000-4000-8000-000000000000"}), 404, 20)
	// alice's max_file_size is 1 MiB.
	wantErr(t, e.call(tok, "POST", "/upload/link", map[string]any{"name": "big", "parent_id": e.home(), "file_size": 2 << 20}), 413, 10)
}

// §11.14 and atomic finalize: modify keeps the file id, the old content
// stays visible until finalize, truncate keeps a prefix.
func TestModify(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	fid, key, _ := e.link(tok, e.home(), "m.txt", 6)
	wantOK(t, e.chunk(key, 0, 6, []byte("abcdef"), nil), 200)
	wantOK(t, e.call(tok, "GET", "/upload/finalize/"+key, nil), 200)

	r := e.call(tok, "POST", "/file/modify", map[string]any{"id": fid, "truncate": 2})
	wantOK(t, r, 200)
	m := r.obj(t)
	if m["file_id"] != fid || m["name"] != "m.txt" || m["upload_key"] == "" {
		t.Fatalf("modify answer %v", m)
	}
	key2 := m["upload_key"].(string)
	wantOK(t, e.chunk(key2, 2, 5, []byte("XYZ"), nil), 200)
	if n, _ := e.node("m.txt"); n.SHA256 != sum([]byte("abcdef")) {
		t.Errorf("content changed before finalize: %+v", n)
	}
	wantOK(t, e.call(tok, "GET", "/upload/finalize/"+key2, nil), 200)
	if n, _ := e.node("m.txt"); n.SHA256 != sum([]byte("abXYZ")) || n.ID != fid {
		t.Errorf("after modify+finalize: %+v", n)
	}
	wantErr(t, e.call(tok, "POST", "/file/modify", map[string]any{"id": fid, "truncate": 6}), 400, 10)
	wantErr(t, e.call(tok, "POST", "/file/modify", map[string]any{"id": e.home(), "truncate": 0}), 400, 91)
	wantErr(t, e.call(tok, "POST", "/file/modify", map[string]any{"id": "00000000-0000-4000-8000-000000000000", "truncate": 0}), 404, 20)
	wantErr(t, e.call(tok, "POST", "/file/modify", map[string]any{"id": fid, "name": "new"}), 400, 21)
}

// §11.15: every check on a chunk POST.
func TestChunkRules(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	fid, key, _ := e.link(tok, e.home(), "c.bin", 10)

	// a: unknown key 404/20.
	wantErr(t, e.chunk(sandbox.NewID(), 0, 10, []byte("x"), nil), 404, 20)
	// b: Content-Range present and well-formed.
	wantErr(t, e.req("POST", "/upload/chunked/"+key, nil, "abc"), 400, 10)
	for _, cr := range []string{"bytes 0-2", "bytes=0-2/10", "bytes 0-2/*", "0-2/10", "bytes 2-1/10", "bytes -1-2/10"} {
		wantErr(t, e.req("POST", "/upload/chunked/"+key, map[string]string{"Content-Range": cr}, "abc"), 400, 10)
	}
	// c: total equals file_size.
	wantErr(t, e.chunk(key, 0, 11, []byte("abc"), nil), 400, 10)
	// d: no gap.
	wantErr(t, e.chunk(key, 3, 10, []byte("def"), nil), 400, 10)
	// e: no empty body; end matches the length (strict).
	wantErr(t, e.req("POST", "/upload/chunked/"+key, map[string]string{"Content-Range": "bytes 0-0/10"}, ""), 400, 10)
	wantErr(t, e.req("POST", "/upload/chunked/"+key, map[string]string{"Content-Range": "bytes 0-3/10"}, "abc"), 400, 10)
	// f: not past the total.
	wantErr(t, e.req("POST", "/upload/chunked/"+key, map[string]string{"Content-Range": "bytes 0-10/10"}, "abcdefghijk"), 400, 10)
	// g: 200 with the file id as a JSON string, key alone as credential.
	r := e.chunk(key, 0, 10, []byte("abc"), nil)
	wantOK(t, r, 200)
	var got string
	r.json(t, &got)
	if got != fid || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("chunk answer %q (%s), want %q as JSON", got, r.header.Get("Content-Type"), fid)
	}
	// c: the total stays the same on every chunk.
	wantErr(t, e.chunk(key, 3, 12, []byte("def"), nil), 400, 10)
	// d: a re-send from an earlier start overwrites from there.
	wantOK(t, e.chunk(key, 1, 10, []byte("BCD"), nil), 200)
	wantOK(t, e.chunk(key, 4, 10, []byte("efghij"), nil), 200)
	wantOK(t, e.call(tok, "GET", "/upload/finalize/"+key, nil), 200)
	if n, _ := e.node("c.bin"); n.SHA256 != sum([]byte("aBCDefghij")) || n.Kind != sandbox.KindFile {
		t.Errorf("stored %+v", n)
	}
	// a: a finalized key is consumed.
	wantErr(t, e.chunk(key, 0, 10, []byte("x"), nil), 404, 20)
}

// §11.7: the key alone authorises; a credential present must be valid
// and the key owner's (strict).
func TestChunkAuth(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	_, key, _ := e.link(tok, e.home(), "auth.bin", 4)
	wantErr(t, e.chunk(key, 0, 4, []byte("ab"), map[string]string{"X-Auth-Token": e.login(bob)}), 403, 50)
	wantErr(t, e.chunk(key, 0, 4, []byte("ab"), map[string]string{"X-Auth-Token": sandbox.NewID()}), 401, 14)
	wantOK(t, e.chunk(key, 0, 4, []byte("ab"), map[string]string{"Authorization": "Bearer " + aliceKey}), 200)
	wantOK(t, e.chunk(key, 2, 4, []byte("cd"), map[string]string{"X-Auth-Token": tok}), 200)
	btok := e.login(bob)
	wantErr(t, e.call(btok, "GET", "/upload/finalize/"+key, nil), 403, 50)
	wantOK(t, e.call(tok, "GET", "/upload/finalize/"+key, nil), 200)

	lenient := start(t, opts{switches: map[string]bool{quatrix.SwitchChunkAuth: false, quatrix.SwitchRangeEnd: false}})
	ltok := lenient.login(alice)
	_, lkey, _ := lenient.link(ltok, lenient.home(), "l.bin", 4)
	wantOK(t, lenient.chunk(lkey, 0, 4, []byte("ab"), map[string]string{"X-Auth-Token": sandbox.NewID()}), 200)
	// rclone before 2024 sent an exclusive end; production ignores it.
	wantOK(t, lenient.req("POST", "/upload/chunked/"+lkey, map[string]string{"Content-Range": "bytes 2-4/4"}, "cd"), 200)
}

// §11.3: a chunk sent with Transfer-Encoding: chunked (no Content-Length).
func TestChunkedTransferEncoding(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	_, key, _ := e.link(tok, e.home(), "te.bin", 6)
	req, err := http.NewRequest("POST", e.srv.BaseURL()+"/upload/chunked/"+key, io.MultiReader(strings.NewReader("abc"), strings.NewReader("def")))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Range", "bytes 0-5/6")
	res, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, res)
	// A body of unknown length (ContentLength 0, Body set) goes out chunked.
	if res.StatusCode != 200 || req.ContentLength != 0 {
		t.Fatalf("chunked body: %d %s (length %d)", res.StatusCode, body, req.ContentLength)
	}
	wantOK(t, e.call(tok, "GET", "/upload/finalize/"+key, nil), 200)
	if n, _ := e.node("te.bin"); n.SHA256 != sum([]byte("abcdef")) {
		t.Errorf("stored %+v", n)
	}
}

// §11.16: the key TTL slides with each chunk (or counts from creation
// with the switch); expiry is code 60.
func TestKeyTTL(t *testing.T) {
	e := start(t, opts{})
	_, key, _ := e.link(e.login(alice), e.home(), "ttl.bin", 3)
	for i := range 2 {
		e.clock.Advance(14 * time.Minute)
		wantOK(t, e.chunk(key, int64(i), 3, []byte{'a' + byte(i)}, nil), 200)
	}
	e.clock.Advance(15*time.Minute + time.Second)
	wantErr(t, e.chunk(key, 2, 3, []byte("c"), nil), 400, 60)
	wantErr(t, e.chunk(key, 2, 3, []byte("c"), nil), 400, 60)

	abs := start(t, opts{switches: map[string]bool{quatrix.SwitchKeyAbsolute: true}})
	_, akey, _ := abs.link(abs.login(alice), abs.home(), "abs.bin", 3)
	abs.clock.Advance(10 * time.Minute)
	wantOK(t, abs.chunk(akey, 0, 3, []byte("a"), nil), 200)
	abs.clock.Advance(6 * time.Minute)
	wantErr(t, abs.chunk(akey, 1, 3, []byte("b"), nil), 400, 60)

	tok := e.login(alice)
	_, key2, _ := e.link(tok, e.home(), "hook.bin", 3)
	e.api.ExpireUploadKeys()
	wantErr(t, e.chunk(key2, 0, 3, []byte("abc"), nil), 400, 60)
	wantErr(t, e.call(tok, "GET", "/upload/finalize/"+key2, nil), 400, 60)
}

// §11.17: finalize checks the byte count (keeping the key on a mismatch),
// parses mtime with µs and answers an integer modified.
func TestFinalize(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	fid, key, _ := e.link(tok, e.home(), "f.bin", 6)
	wantOK(t, e.chunk(key, 0, 6, []byte("abc"), nil), 200)
	wantErr(t, e.call(tok, "GET", "/upload/finalize/"+key, nil), 400, 10)
	for _, bad := range []string{"abc", "1.1234567", "-5", "1e9", ""} {
		wantErr(t, e.call(tok, "GET", "/upload/finalize/"+key+"?mtime="+bad, nil), 400, 10)
	}
	wantOK(t, e.chunk(key, 3, 6, []byte("def"), nil), 200)
	r := e.call(tok, "GET", "/upload/finalize/"+key+"?mtime=1690000000.5", nil)
	wantOK(t, r, 200)
	var fin struct {
		ID       string `json:"id"`
		ParentID string `json:"parent_id"`
		Size     int64  `json:"size"`
		Modified int64  `json:"modified"` // must decode as an integer, as rclone does
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fin); err != nil {
		t.Fatalf("finalize answer %s: %v", r.body, err)
	}
	if fin.ID != fid || fin.ParentID != e.home() || fin.Size != 6 || fin.Modified != 1690000000 {
		t.Errorf("finalize answer %+v", fin)
	}
	var meta struct {
		ModifiedMS json.Number `json:"modified_ms"`
	}
	e.call(tok, "GET", "/file/metadata/"+fid, nil).json(t, &meta)
	if meta.ModifiedMS != "1690000000.500000" {
		t.Errorf("modified_ms %s", meta.ModifiedMS)
	}
	wantErr(t, e.call(tok, "GET", "/upload/finalize/"+key, nil), 404, 20)

	// A zero-byte file: no chunk at all, with or without file_size.
	for _, size := range []int64{0, -1} {
		zid, zkey, _ := e.link(tok, e.home(), "zero"+itoa(size), size)
		wantOK(t, e.call(tok, "GET", "/upload/finalize/"+zkey+"?mtime=1690000000", nil), 200)
		if n, _ := e.node("zero" + itoa(size)); n.ID != zid || n.Kind != sandbox.KindFile || n.Size != 0 {
			t.Errorf("zero-byte file %+v", n)
		}
	}
}

// §11.18: multipart upload of the single "file" part consumes the key.
func TestMultipart(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	send := func(key string, parts map[string]string) resp {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for field, content := range parts {
			w, err := mw.CreateFormFile(field, "name.bin")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(w, content); err != nil {
				t.Fatal(err)
			}
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		return e.req("POST", "/upload/multipart/"+key, map[string]string{"Content-Type": mw.FormDataContentType()}, buf.Bytes())
	}
	fid, key, _ := e.link(tok, e.home(), "mp.bin", 5)
	wantErr(t, send(key, map[string]string{"upload": "hello"}), 400, 10)
	wantErr(t, send(key, map[string]string{"file": "hello", "other": "x"}), 400, 10)
	wantErr(t, send(key, map[string]string{"file": "hell"}), 400, 10)
	wantErr(t, e.req("POST", "/upload/multipart/"+key, map[string]string{"Content-Type": "application/octet-stream"}, "hello"), 400, 10)
	r := send(key, map[string]string{"file": "hello"})
	wantOK(t, r, 200)
	if n, _ := e.node("mp.bin"); n.ID != fid || n.SHA256 != sum([]byte("hello")) {
		t.Errorf("multipart stored %+v", n)
	}
	wantErr(t, send(key, map[string]string{"file": "hello"}), 404, 20)
}

// §11.19: delete answers 200 ids for up to 10 and 202 job_id beyond, moves
// to the trash unless permanent, and kills the keys of deleted uploads.
func TestDelete(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	fid, key, _ := e.link(tok, e.home(), "inflight.bin", 4)
	wantOK(t, e.chunk(key, 0, 4, []byte("ab"), nil), 200)
	r := e.call(tok, "POST", "/file/delete", map[string]any{"ids": []string{fid}, "delete_permanently": true})
	wantOK(t, r, 200)
	if ids := r.obj(t)["ids"].([]any); len(ids) != 1 || ids[0] != fid {
		t.Errorf("delete answer %s", r.body)
	}
	wantErr(t, e.chunk(key, 2, 4, []byte("cd"), nil), 404, 20)
	if _, ok := e.node("inflight.bin"); ok {
		t.Error("deleted placeholder still stored")
	}

	kid, kkey, _ := e.link(tok, e.home(), "kept.txt", 2)
	wantOK(t, e.chunk(kkey, 0, 2, []byte("hi"), nil), 200)
	wantOK(t, e.call(tok, "GET", "/upload/finalize/"+kkey, nil), 200)
	wantOK(t, e.call(tok, "POST", "/file/delete", map[string]any{"ids": []string{kid}}), 200)
	if n, ok := e.node("Trash/kept.txt"); !ok || n.SHA256 != sum([]byte("hi")) {
		t.Errorf("trash holds %+v (found %v)", n, ok)
	}

	var ids []string
	for i := range 11 {
		id, _, _ := e.link(tok, e.home(), "many"+itoa(int64(i)), -1)
		ids = append(ids, id)
	}
	r = e.call(tok, "POST", "/file/delete", map[string]any{"ids": ids, "delete_permanently": true})
	wantOK(t, r, 202)
	if r.obj(t)["job_id"] == "" {
		t.Errorf("202 without job_id: %s", r.body)
	}
	wantErr(t, e.call(tok, "POST", "/file/delete", map[string]any{"ids": []string{e.home()}}), 400, 70)
	wantErr(t, e.call(tok, "POST", "/file/delete", map[string]any{"ids": []string{"00000000-0000-4000-8000-000000000000"}}), 404, 20)
	wantErr(t, e.call(tok, "POST", "/file/delete", map[string]any{"ids": []string{}}), 400, 10)
}

// §11.22: programmed chunk faults.
func TestChunkFaultHooks(t *testing.T) {
	e := start(t, opts{})
	_, key, _ := e.link(e.login(alice), e.home(), "fault.bin", 4)
	e.api.FailChunk(2, 429, 2*time.Second)
	wantOK(t, e.chunk(key, 0, 4, []byte("ab"), nil), 200)
	r := e.chunk(key, 2, 4, []byte("cd"), nil)
	wantErr(t, r, 429, -1)
	if r.header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	e.api.ResetChunk(1)
	req, err := http.NewRequest("POST", e.srv.BaseURL()+"/upload/chunked/"+key, strings.NewReader("cd"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Range", "bytes 2-3/4")
	if res, err := e.hc.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("reset hook answered %d", res.StatusCode)
	}
	wantOK(t, e.chunk(key, 2, 4, []byte("cd"), nil), 200)
	if c := e.api.Counts(); c.Chunks != 4 {
		t.Errorf("counted %d chunk POSTs, want 4", c.Chunks)
	}
}

// Old keys are forgotten (and their temporary content deleted) once idle
// for twice the TTL: they then answer as unknown.
func TestPrune(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	_, old, _ := e.link(tok, e.home(), "old.bin", 4)
	wantOK(t, e.chunk(old, 0, 4, []byte("ab"), nil), 200)
	e.clock.Advance(31 * time.Minute)
	tok = e.login(alice)
	_, fresh, _ := e.link(tok, e.home(), "fresh.bin", 4)
	wantErr(t, e.chunk(old, 2, 4, []byte("cd"), nil), 404, 20)
	wantOK(t, e.chunk(fresh, 0, 4, []byte("abcd"), nil), 200)
	if n := e.api.OpenUploads(); n != 1 {
		t.Errorf("%d open uploads, want 1", n)
	}
}

// Download links serve the stored content with Range support (§4 #18-19).
func TestDownload(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	fid, key, _ := e.link(tok, e.home(), "d.txt", 10)
	wantOK(t, e.chunk(key, 0, 10, []byte("0123456789"), nil), 200)
	wantOK(t, e.call(tok, "GET", "/upload/finalize/"+key, nil), 200)
	link := e.call(tok, "POST", "/file/download-link", map[string]any{"ids": []string{fid}}).obj(t)["id"].(string)
	r := e.call(tok, "GET", "/file/download/"+link, nil)
	if r.status != 200 || string(r.body) != "0123456789" {
		t.Fatalf("download: %d %q", r.status, r.body)
	}
	r = e.req("GET", "/api/1.0/file/download/"+link, map[string]string{"X-Auth-Token": tok, "Range": "bytes=3-5"}, nil)
	if r.status != 206 || string(r.body) != "345" {
		t.Fatalf("ranged download: %d %q", r.status, r.body)
	}
	wantErr(t, e.call(e.login(bob), "GET", "/file/download/"+link, nil), 404, 20)
	wantErr(t, e.call(tok, "POST", "/file/download-link", map[string]any{"ids": []string{fid, fid}}), 400, 21)
	pid, _, _ := e.link(tok, e.home(), "pending", -1)
	wantErr(t, e.call(tok, "POST", "/file/download-link", map[string]any{"ids": []string{pid}}), 400, 21)
}

// TestFinishedKeysForgotten: a finalized key answers as unknown and is
// gone from the sandbox's memory at once, so neither the memory nor the
// work per upload (prune) grows with the uploads seen (issue 20).
func TestFinishedKeysForgotten(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	var keys []string
	for i := range 50 {
		_, key, _ := e.link(tok, e.home(), "f"+itoa(int64(i))+".bin", 3)
		wantOK(t, e.chunk(key, 0, 3, []byte("abc"), nil), 200)
		wantOK(t, e.call(tok, "GET", "/upload/finalize/"+key+"?mtime=1690000000", nil), 200)
		keys = append(keys, key)
	}
	wantErr(t, e.call(tok, "GET", "/upload/finalize/"+keys[0], nil), 404, 20)
	wantErr(t, e.chunk(keys[1], 0, 3, []byte("abc"), nil), 404, 20)
	if n := quatrix.HeldKeys(e.api); n != 0 {
		t.Errorf("%d upload keys held after every upload finished, want 0", n)
	}
}

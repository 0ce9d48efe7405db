package twake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	notFound = `{"error":"Not found"}`
	badCreds = `{"statusCode":401,"error":"Unauthorized","message":"Bad credentials"}`
)

// Rule 1: exact paths, no trailing slash, UUID ids, methods per table.
func TestRule1Paths(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	cases := []struct{ method, path string }{
		{"POST", e.filesPath() + "/"},
		{"GET", e.filesPath() + "/" + id + "/"},
		{"POST", e.filesPath() + "/" + id + "/?chunk_number=1&total_chunks=1"},
		{"POST", strings.Replace(e.filesPath(), e.api.CompanyID(), "not-a-uuid", 1)},
		{"GET", e.filesPath() + "/not-a-uuid"},
		{"PUT", e.filesPath() + "/" + id},
		{"GET", e.filesPath()},
		{"GET", "/internal/services/files/v1/nothing"},
		{"GET", "/internal/services/documents/v1/companies/" + e.api.CompanyID() + "/items"},
	}
	for _, c := range cases {
		st, b := e.do(t, c.method, c.path, nil, nil)
		if st != 404 || string(bytes.TrimSpace(b)) != notFound {
			t.Errorf("%s %s: %d %s, want 404 %s", c.method, c.path, st, b, notFound)
		}
	}
	// Lenient: ".../files/" is taken as an init, as the real router probably does.
	l := start(t, true, map[string]bool{SwitchPath: false})
	st, b := l.do(t, "POST", l.filesPath()+"/", nil, nil)
	if st != 200 || decode(t, b).ID == "" {
		t.Fatalf("lenient POST .../files/: %d %s", st, b)
	}
}

// Rule 2: Bearer JWT on routes 1, 2, 3, 6; any failure is the same 401.
func TestRule2Auth(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	expired, err := e.api.Token(e.api.UserID(), time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := e.api.Token("00000000-0000-4000-8000-000000000000", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject:   e.api.UserID(),
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	}).SignedString([]byte("wrong-secret-wrong-secret-wrong!"))
	if err != nil {
		t.Fatal(err)
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.RegisteredClaims{
		Subject:   e.api.UserID(),
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	noExp, err := e.api.SignClaims(Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: e.api.UserID()}})
	if err != nil {
		t.Fatal(err)
	}
	auths := map[string]string{
		"missing": "", "basic": "Basic dXNlcjpwdw==", "expired": "Bearer " + expired,
		"unknown user": "Bearer " + stranger, "bad signature": "Bearer " + forged, "alg none": "Bearer " + none,
		"no exp": "Bearer " + noExp, "garbage": "Bearer abc.def.ghi",
	}
	routes := []struct{ method, path string }{
		{"POST", e.filesPath()},
		{"POST", e.filesPath() + "/" + id + "?chunk_number=1&total_chunks=1"},
		{"GET", e.filesPath() + "/" + id},
		{"DELETE", e.filesPath() + "/" + id},
	}
	for name, auth := range auths {
		for _, r := range routes {
			st, b := e.do(t, r.method, r.path, map[string]string{"Authorization": auth}, nil)
			if st != 401 || string(bytes.TrimSpace(b)) != badCreds {
				t.Errorf("%s: %s %s: %d %s", name, r.method, r.path, st, b)
			}
		}
	}
	// The file survived every refused DELETE, and download needs no token.
	ok(t)(e.chunk(t, id, plan(1, 1, 3, "a.txt"), []byte("abc")))
	st, b := e.do(t, "GET", e.filesPath()+"/"+id+"/download", map[string]string{"Authorization": ""}, nil)
	if st != 200 || string(b) != "abc" {
		t.Fatalf("unauthenticated download: %d %q", st, b)
	}
}

// Rule 3: init without body; empty JSON body refused; no encryption key.
func TestRule3Init(t *testing.T) {
	e := start(t, true, nil)
	st, b := e.do(t, "POST", e.filesPath()+"?filename=x.pdf&type=application/pdf&total_size=9", nil, nil)
	ok(t)(st, b)
	want := `"metadata":null,"thumbnails":[],"upload_data":null`
	if !strings.Contains(string(b), want) || strings.Contains(string(b), "encryption") ||
		!strings.Contains(string(b), `"application_id":null`) || !strings.Contains(string(b), `"user_id":"`+e.api.UserID()+`"`) {
		t.Fatalf("init answer %s", b)
	}
	st, b = e.do(t, "POST", e.filesPath(), map[string]string{"Content-Type": "application/json"}, nil)
	if st != 400 || !strings.Contains(string(b), "FST_ERR_CTP_EMPTY_JSON_BODY") {
		t.Fatalf("empty JSON body: %d %s", st, b)
	}
	// The official web client sends "{}" as text/plain: accepted and ignored.
	ok(t)(e.do(t, "POST", e.filesPath(), map[string]string{"Content-Type": "text/plain;charset=UTF-8"}, []byte("{}")))
	ok(t)(e.do(t, "POST", e.filesPath(), map[string]string{"Content-Type": "application/json"}, []byte("{}")))
	st, b = e.do(t, "POST", e.filesPath(), map[string]string{"Content-Type": "application/json"}, []byte("{"))
	if st != 400 {
		t.Fatalf("invalid JSON body: %d %s", st, b)
	}
}

// Rule 4: multipart on route 1 is a one-shot upload stored as chunk 1.
func TestRule4OneShot(t *testing.T) {
	e := start(t, true, nil)
	data := []byte("one shot content")
	ct, body := multipartBody(t, part{"file", "report.txt", data})
	b := ok(t)(e.do(t, "POST", e.filesPath()+"?total_size=999", map[string]string{"Content-Type": ct}, body))
	f := decode(t, b)
	if f.UploadData == nil || f.UploadData.Size != int64(len(data)) || f.UploadData.Chunks != 1 ||
		f.Metadata == nil || f.Metadata.Name != "report.txt" {
		t.Fatalf("one-shot resource %s", b)
	}
	sum := sha256.Sum256(data)
	if n := e.node(t, "/files/"+f.ID); n.Kind != "file" || n.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("stored %+v", n)
	}
	// Assembled: the chunk is a region of the file, no separate object.
	if got := e.under(t, "/.chunks/"+f.ID+"/"); len(got) != 0 {
		t.Fatalf("chunk objects left after assembly: %v", got)
	}
}

// Rule 5: multipart with exactly one part "file"; parameters from the
// query string only.
func TestRule5Multipart(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	q := plan(1, 1, 3, "a.bin").Encode()
	st, b := e.do(t, "POST", e.filesPath()+"/"+id+"?"+q, map[string]string{"Content-Type": "application/octet-stream"}, []byte("abc"))
	if st != 400 || !strings.Contains(string(b), "not multipart") {
		t.Errorf("raw body: %d %s", st, b)
	}
	ct, body := multipartBody(t, part{"data", "a.bin", []byte("abc")})
	if st, b := e.do(t, "POST", e.filesPath()+"/"+id+"?"+q, map[string]string{"Content-Type": ct}, body); st != 400 || !strings.Contains(string(b), `named \"file\"`) {
		t.Errorf("part named data: %d %s", st, b)
	}
	ct, body = multipartBody(t, part{"file", "a.bin", []byte("abc")}, part{"file", "b.bin", []byte("def")})
	if st, b := e.do(t, "POST", e.filesPath()+"/"+id+"?"+q, map[string]string{"Content-Type": ct}, body); st != 400 || !strings.Contains(string(b), "exactly one") {
		t.Errorf("two file parts: %d %s", st, b)
	}
	ct, body = multipartBody(t, part{field: "chunk_number", data: []byte("1")}, part{field: "total_chunks", data: []byte("1")},
		part{"file", "a.bin", []byte("abc")})
	if st, b := e.do(t, "POST", e.filesPath()+"/"+id, map[string]string{"Content-Type": ct}, body); st != 400 {
		t.Errorf("parameters only in the form: %d %s", st, b)
	}
	// Lenient server: form-only parameters are ignored (defaults apply),
	// and any file part name is taken.
	l := start(t, false, nil)
	lid := l.initFile(t)
	// TW-CHUNK-4: a body that is not multipart stores nothing: 200, the
	// entity unchanged.
	b = ok(t)(l.do(t, "POST", l.filesPath()+"/"+lid+"?"+q, map[string]string{"Content-Type": "application/octet-stream"}, []byte("abc")))
	if f := decode(t, b); f.UploadData != nil || f.Metadata != nil {
		t.Errorf("lenient raw body changed the entity: %s", b)
	}
	ct, body = multipartBody(t, part{field: "chunk_number", data: []byte("2")}, part{field: "total_chunks", data: []byte("2")},
		part{"data", "a.bin", []byte("abc")})
	b = ok(t)(l.do(t, "POST", l.filesPath()+"/"+lid, map[string]string{"Content-Type": ct}, body))
	if f := decode(t, b); f.UploadData.Chunks != 1 || f.UploadData.Size != 3 {
		t.Errorf("lenient form-only parameters: %s", b)
	}
	sum := sha256.Sum256([]byte("abc"))
	if n := l.node(t, "/files/"+lid); n.Kind != "file" || n.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("lenient upload stored %+v", n)
	}
}

// Rule 6: chunk_number an integer in 1..total_chunks; names agree.
func TestRule6ChunkRange(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	bad := []url.Values{
		{"chunk_number": {"0"}, "total_chunks": {"2"}},
		{"chunk_number": {"3"}, "total_chunks": {"2"}},
		{"total_chunks": {"2"}},
		{"chunk_number": {"1"}},
		{"chunk_number": {"1"}, "total_chunks": {"0"}},
		{"chunk_number": {"1x"}, "total_chunks": {"2"}},
		{"chunk_number": {"1"}, "total_chunks": {"2"}, "total_size": {"-4"}},
		{"chunk_number": {"1"}, "resumableChunkNumber": {"2"}, "total_chunks": {"2"}},
	}
	for _, q := range bad {
		if st, b := e.chunk(t, id, q, []byte("x")); st != 400 || !strings.Contains(string(b), "sandbox strict") {
			t.Errorf("%s: %d %s", q.Encode(), st, b)
		}
	}
	// The resumable.js names alone are fine, as the official client sends them.
	rq := url.Values{
		"resumableChunkNumber": {"2"}, "resumableTotalChunks": {"2"}, "resumableTotalSize": {"4"},
		"resumableFilename": {"r.bin"}, "resumableType": {"application/octet-stream"},
	}
	ok(t)(e.chunk(t, id, rq, []byte("cd")))
	rq.Set("resumableChunkNumber", "1")
	ok(t)(e.chunk(t, id, rq, []byte("ab")))
	if c, _ := e.api.Completion("", id); !c.Complete {
		t.Fatalf("resumable names: %+v", c)
	}
	// Lenient: chunk_number 0 overwrites chunk 1, like the real server.
	l := start(t, false, nil)
	lid := l.initFile(t)
	ok(t)(l.chunk(t, lid, url.Values{"chunk_number": {"0"}, "total_chunks": {"2"}}, []byte("zz")))
	if c, _ := l.api.Completion("", lid); len(c.Present) != 1 || c.Present[0] != 1 {
		t.Fatalf("lenient chunk 0: %+v", c)
	}
}

// Rule 7: the plan is the same on every chunk of a file.
func TestRule7SamePlan(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	ok(t)(e.chunk(t, id, plan(1, 2, 4, "p.bin"), []byte("ab")))
	for _, q := range []url.Values{plan(2, 3, 4, "p.bin"), plan(2, 2, 5, "p.bin"), plan(2, 2, 4, "q.bin")} {
		if st, b := e.chunk(t, id, q, []byte("cd")); st != 400 {
			t.Errorf("%s: %d %s", q.Encode(), st, b)
		}
	}
	// Lenient: the first chunk's metadata stays (users cannot change it).
	l := start(t, false, nil)
	lid := l.initFile(t)
	ok(t)(l.chunk(t, lid, plan(1, 2, 4, "p.bin"), []byte("ab")))
	f := decode(t, ok(t)(l.chunk(t, lid, plan(2, 2, 9, "q.bin"), []byte("cd"))))
	if f.UploadData.Size != 4 || f.Metadata.Name != "p.bin" {
		t.Fatalf("lenient later plan changed metadata: %+v %+v", f.UploadData, f.Metadata)
	}
}

// Rule 8: unknown file id: 500 on Twake, 404 in Twake Drive mode.
func TestRule8UnknownFile(t *testing.T) {
	unknown := "0b9f8f8e-1111-4222-8333-444455556666"
	e := start(t, true, nil)
	if st, b := e.do(t, "GET", e.filesPath()+"/"+unknown, nil, nil); st != 500 || !strings.Contains(string(b), `"message":"Something went wrong"`) {
		t.Errorf("GET unknown: %d %s", st, b)
	}
	// DELETE throws an explicit CrudException(404) on Twake too.
	if st, b := e.do(t, "DELETE", e.filesPath()+"/"+unknown, nil, nil); st != 404 || !strings.Contains(string(b), `"message":"File not found"`) {
		t.Errorf("DELETE unknown: %d %s", st, b)
	}
	if st, b := e.chunk(t, unknown, plan(1, 1, 1, "u"), []byte("u")); st != 500 {
		t.Errorf("chunk to unknown: %d %s", st, b)
	}
	d := start(t, true, map[string]bool{SwitchTDrive: true})
	if st, b := d.do(t, "GET", d.filesPath()+"/"+unknown, nil, nil); st != 404 {
		t.Errorf("tdrive GET unknown: %d %s", st, b)
	}
	// A file of another company is unknown too.
	id := e.initFile(t)
	other := strings.Replace(e.filesPath(), e.api.CompanyID(), "0b9f8f8e-aaaa-4222-8333-444455556666", 1)
	if st, b := e.do(t, "GET", other+"/"+id, nil, nil); st != 500 {
		t.Errorf("other company: %d %s", st, b)
	}
}

// Rule 9: chunks by number, any order, concurrent, overwrite allowed.
func TestRule9AnyOrderConcurrent(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	const n, size = 9, 1000
	data := make([]byte, n*size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	// A wrong chunk 5 first, then every chunk concurrently, 5 overwritten.
	ok(t)(e.chunk(t, id, plan(5, n, int64(len(data)), "c.bin"), bytes.Repeat([]byte{1}, size)))
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := n; i >= 1; i-- {
		wg.Go(func() {
			if st, b := e.chunk(t, id, plan(i, n, int64(len(data)), "c.bin"), data[(i-1)*size:i*size]); st != 200 {
				errs <- string(b)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	sum := sha256.Sum256(data)
	if nd := e.node(t, "/files/"+id); nd.Kind != "file" || nd.SHA256 != hex.EncodeToString(sum[:]) || nd.Meta["name"] != "c.bin" {
		t.Fatalf("assembled %+v", nd)
	}
	if got := ChunkPosts(e.srv.Log(), id); got != n+1 {
		t.Fatalf("ChunkPosts = %d, want %d", got, n+1)
	}
}

// Rule 10: completion hook; download is chunks 1..N, cut at a hole.
func TestRule10Completion(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	ok(t)(e.chunk(t, id, plan(1, 3, 6, "h.bin"), []byte("ab")))
	ok(t)(e.chunk(t, id, plan(3, 3, 6, "h.bin"), []byte("ef")))
	c, found := e.api.Completion("", id)
	if !found || c.Complete || !strings.Contains(c.Problem, "missing, first 2") {
		t.Fatalf("with a hole: %+v", c)
	}
	if n := e.node(t, "/files/"+id); n.Kind != "partial" || n.Meta["chunks"] != "2/3" {
		t.Fatalf("partial node %+v", n)
	}
	resp, err := http.Get(e.srv.BaseURL() + e.filesPath() + "/" + id + "/download")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != 6 || string(b) != "ab" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("download with a hole: %d length %d %q %v, want the truncated %q", resp.StatusCode, resp.ContentLength, b, err, "ab")
	}
	// Chunk 2 one byte short: all present, but the sum is not total_size.
	ok(t)(e.chunk(t, id, plan(2, 3, 6, "h.bin"), []byte("c")))
	if c, _ := e.api.Completion("", id); c.Complete || !strings.Contains(c.Problem, "hold 5 bytes") {
		t.Fatalf("short chunk: %+v", c)
	}
	ok(t)(e.chunk(t, id, plan(2, 3, 6, "h.bin"), []byte("cd")))
	if c, _ := e.api.Completion("", id); !c.Complete {
		t.Fatalf("complete: %+v", c)
	}
	// Lenient server: a chunk beyond N is stored but keeps the file incomplete.
	l := start(t, false, nil)
	lid := l.initFile(t)
	ok(t)(l.chunk(t, lid, plan(1, 1, 1, "x"), []byte("x")))
	ok(t)(l.chunk(t, lid, plan(2, 1, 1, "x"), []byte("y")))
	if c, _ := l.api.Completion("", lid); c.Complete || !strings.Contains(c.Problem, "outside") {
		t.Fatalf("chunk beyond N: %+v", c)
	}
}

// Rule 11: with one chunk, upload_data.size is the bytes received.
func TestRule11SingleChunkSize(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	f := decode(t, ok(t)(e.chunk(t, id, plan(1, 1, 100, "s.bin"), []byte("12345"))))
	if f.UploadData.Size != 5 || f.UploadData.Chunks != 1 {
		t.Fatalf("upload_data %+v", f.UploadData)
	}
}

// Rule 12: thumbnail_sync is read only for one-chunk files, where the
// answer waits for the preview; it is accepted on every chunk (the web
// client sends it on all of them) and refused, strict, only on init.
func TestRule12ThumbnailSync(t *testing.T) {
	e := start(t, true, nil)
	if st, b := e.do(t, "POST", e.filesPath()+"?thumbnail_sync=1", nil, nil); st != 400 {
		t.Errorf("init with thumbnail_sync: %d %s", st, b)
	}
	id := e.initFile(t)
	q := plan(1, 2, 2, "t.png")
	q.Set("thumbnail_sync", "0") // "0" is truthy for the real server; ignored on multi-chunk files
	f := decode(t, ok(t)(e.chunk(t, id, q, []byte("a"))))
	if f.Metadata.ThumbnailsStatus != "done" {
		t.Errorf("multi-chunk file status %q", f.Metadata.ThumbnailsStatus)
	}
	// One chunk: the answer waits for the simulated preview worker.
	id = e.initFile(t)
	q = plan(1, 1, 1, "t.png")
	q.Set("thumbnail_sync", "1")
	if f := decode(t, ok(t)(e.chunk(t, id, q, []byte("a")))); f.Metadata.ThumbnailsStatus != "done" {
		t.Errorf("thumbnail_sync answer before the preview: %q", f.Metadata.ThumbnailsStatus)
	}
	// Without the flag the answer comes at once, still waiting.
	id = e.initFile(t)
	if f := decode(t, ok(t)(e.chunk(t, id, plan(1, 1, 1, "t.png"), []byte("a")))); f.Metadata.ThumbnailsStatus != "waiting" {
		t.Errorf("one-chunk file status %q, want waiting", f.Metadata.ThumbnailsStatus)
	}
	l := start(t, false, nil)
	ok(t)(l.do(t, "POST", l.filesPath()+"?thumbnail_sync=1", nil, nil))
}

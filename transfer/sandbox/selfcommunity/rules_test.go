package selfcommunity

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Rule 3.9.1: exact path with trailing slash, POST, Bearer of a known user.
func TestPathMethodAuth(t *testing.T) {
	e := start(t, Options{}, nil)
	data := []byte("hello")
	e.do(t, req{path: "/api/v2/pm/upload", token: e.alice, fileName: "file", file: data}).
		wantError(t, http.StatusNotFound, "", "not_found")
	e.do(t, req{method: http.MethodGet, token: e.alice}).wantError(t, http.StatusMethodNotAllowed, "", "method_not_allowed")
	e.do(t, req{fileName: "file", file: data}).wantError(t, http.StatusUnauthorized, "", "not_authenticated")
	e.do(t, req{token: "not-a-token", fileName: "file", file: data}).wantError(t, http.StatusUnauthorized, "", "not_authenticated")
	e.do(t, req{token: e.alice, fileName: "file", file: data, header: map[string]string{"Authorization": "Token " + e.alice}}).
		wantError(t, http.StatusUnauthorized, "", "not_authenticated")
	if len(e.srv.Tree(Name)) != 0 {
		t.Fatalf("refused requests stored something: %+v", e.srv.Tree(Name))
	}

	// With the switch off the path without the slash is served.
	lax := start(t, Options{}, map[string]bool{SwitchSlash: false})
	lax.do(t, req{path: "/api/v2/pm/upload", token: lax.alice, fields: [][2]string{{"filename", "a.txt"}}, fileName: "file", file: data}).ok(t)
}

// Rule 3.9.2: one dialect per run; the other dialect's names, alone or
// mixed, are refused.
func TestDialects(t *testing.T) {
	data := testData(300)
	t.Run("plain_refuses_qq", func(t *testing.T) {
		e := start(t, Options{}, nil)
		e.do(t, req{token: e.alice, fields: [][2]string{{"qqpartindex", "0"}, {"qqtotalparts", "1"}}, fileName: "qqfile", file: data}).
			wantError(t, http.StatusBadRequest, "qqfile", "invalid_field")
		e.do(t, req{token: e.alice, fields: [][2]string{{"partindex", "0"}, {"qqtotalparts", "1"}}, fileName: "file", file: data}).
			wantError(t, http.StatusBadRequest, "qqtotalparts", "invalid_field")
	})
	t.Run("qq_run", func(t *testing.T) {
		e := start(t, Options{Dialect: QQ}, nil)
		e.do(t, req{token: e.alice, fields: [][2]string{{"partindex", "0"}, {"totalparts", "2"}}, fileName: "file", file: data}).
			wantError(t, http.StatusBadRequest, "file", "invalid_field")
		e.do(t, req{token: e.alice, fields: [][2]string{{"qqpartindex", "0"}, {"qqtotalparts", "2"}}, fileName: "file", file: data}).
			wantError(t, http.StatusBadRequest, "file", "invalid_field")
		a := e.do(t, req{token: e.alice, fields: [][2]string{{"qqpartindex", "0"}, {"qqtotalparts", "2"}}, fileName: "qqfile", file: data[:200]}).ok(t)
		uuid := a.str("file_uuid")
		e.do(t, req{token: e.alice, fields: [][2]string{{"qqpartindex", "1"}, {"qqtotalparts", "2"}, {"qquuid", uuid}}, fileName: "qqfile", file: data[200:]}).ok(t)
		e.do(t, req{token: e.alice, query: "done", fields: [][2]string{{"qquuid", uuid}, {"qqfilename", "x.bin"}, {"md5", md5hex(data)}}}).
			wantError(t, http.StatusBadRequest, "md5", "invalid_field")
		d := e.do(t, req{token: e.alice, query: "done", fields: [][2]string{{"qquuid", uuid}, {"qqfilename", "x.bin"}, {"qqtotalparts", "2"}, {"qqmd5", md5hex(data)}}}).ok(t)
		if d.str("file_uuid") != uuid || !strings.HasSuffix(d.str("file_url"), "/"+uuid+"/x.bin") {
			t.Fatalf("done answered %s", d.raw)
		}
		sum := sha256.Sum256(data)
		if en := e.entry(t, "/"+uuid+"/x.bin"); en.SHA256 != hex.EncodeToString(sum[:]) || en.Size != 300 {
			t.Fatalf("stored %+v", en)
		}
	})
}

// Rule 3.9.3: the chunk request's fields, uuid echo, constant totalparts,
// series, and consistency of the optional size fields.
func TestChunkRules(t *testing.T) {
	e := start(t, Options{}, nil)
	data := testData(1000)
	p0 := data[:400]
	first := e.chunk(t, e.alice, "", 0, 3, p0).ok(t)
	uuid := first.str("file_uuid")
	if uuid == "" {
		t.Fatalf("part 0 answered %s", first.raw)
	}
	cases := []struct {
		name   string
		r      req
		status int
		field  string
	}{
		{"no_file", req{fields: [][2]string{{"partindex", "1"}, {"totalparts", "3"}, {"uuid", uuid}}}, 400, "file"},
		{"index_not_int", req{fields: [][2]string{{"partindex", "one"}, {"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: p0}, 400, "partindex"},
		{"index_negative", req{fields: [][2]string{{"partindex", "-1"}, {"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: p0}, 400, "partindex"},
		{"index_too_big", req{fields: [][2]string{{"partindex", "3"}, {"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: p0}, 400, "partindex"},
		{"total_zero", req{fields: [][2]string{{"partindex", "0"}, {"totalparts", "0"}}, fileName: "file", file: p0}, 400, "totalparts"},
		{"total_missing", req{fields: [][2]string{{"partindex", "1"}, {"uuid", uuid}}, fileName: "file", file: p0}, 400, "totalparts"},
		{"index_missing", req{fields: [][2]string{{"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: p0}, 400, "partindex"},
		{"later_part_without_uuid", req{fields: [][2]string{{"partindex", "1"}, {"totalparts", "3"}}, fileName: "file", file: p0}, 400, "uuid"},
		{"wrong_uuid", req{fields: [][2]string{{"partindex", "1"}, {"totalparts", "3"}, {"uuid", uuid + "x"}}, fileName: "file", file: p0}, 400, "uuid"},
		{"other_users_uuid", req{token: e.bob, fields: [][2]string{{"partindex", "1"}, {"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: p0}, 400, "uuid"},
		{"total_changed", req{fields: [][2]string{{"partindex", "1"}, {"totalparts", "4"}, {"uuid", uuid}}, fileName: "file", file: p0}, 400, "totalparts"},
		{"gap", req{fields: [][2]string{{"partindex", "2"}, {"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: data[800:]}, 400, "partindex"},
		{"offset_wrong", req{fields: [][2]string{{"partindex", "1"}, {"totalparts", "3"}, {"uuid", uuid}, {"partbyteoffset", "0"}}, fileName: "file", file: data[400:800]}, 400, "partbyteoffset"},
		{"chunksize_wrong", req{fields: [][2]string{{"partindex", "1"}, {"totalparts", "3"}, {"uuid", uuid}, {"chunksize", "399"}}, fileName: "file", file: data[400:800]}, 400, "chunksize"},
		{"size_too_small", req{fields: [][2]string{{"partindex", "1"}, {"totalparts", "3"}, {"uuid", uuid}, {"totalfilesize", "700"}}, fileName: "file", file: data[400:800]}, 400, "totalfilesize"},
		{"range_wrong_start", req{
			fields: [][2]string{{"partindex", "1"}, {"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: data[400:800],
			header: map[string]string{"Content-Range": "bytes 0-399/1000"},
		}, 400, ""},
		{"range_wrong_length", req{
			fields: [][2]string{{"partindex", "1"}, {"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: data[400:800],
			header: map[string]string{"Content-Range": "bytes 400-800/1000"},
		}, 400, ""},
		{"range_malformed", req{
			fields: [][2]string{{"partindex", "1"}, {"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: data[400:800],
			header: map[string]string{"Content-Range": "400-799/1000"},
		}, 400, ""},
		{"duplicate_field", req{fields: [][2]string{{"partindex", "1"}, {"partindex", "1"}, {"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: data[400:800]}, 400, "partindex"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.r.token == "" {
				tc.r.token = e.alice
			}
			e.do(t, tc.r).wantError(t, tc.status, tc.field, "")
		})
	}
	// None of the refusals moved the upload on: part 1 is still next, and
	// consistent optional fields and Content-Range are accepted.
	a := e.chunk(t, e.alice, uuid, 1, 3, data[400:800], [2]string{"partbyteoffset", "400"}, [2]string{"chunksize", "400"},
		[2]string{"totalfilesize", "1000"}).ok(t)
	if a.str("file_uuid") != uuid {
		t.Fatalf("part 1 answered %s", a.raw)
	}
	e.do(t, req{
		token: e.alice, fields: [][2]string{{"partindex", "2"}, {"totalparts", "3"}, {"uuid", uuid}, {"totalfilesize", "999"}},
		fileName: "file", file: data[800:],
	}).wantError(t, 400, "totalfilesize", "")
	e.do(t, req{
		token: e.alice, fields: [][2]string{{"partindex", "2"}, {"totalparts", "3"}, {"uuid", uuid}}, fileName: "file", file: data[800:],
		header: map[string]string{"Content-Range": "bytes 800-999/1000"},
	}).ok(t)
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "c.bin"}, [2]string{"md5", md5hex(data)}).ok(t)
	if en := e.entry(t, "/"+uuid+"/c.bin"); en.Size != 1000 {
		t.Fatalf("stored %+v", en)
	}
}

// The series switch off: an identical re-send is acknowledged again (the
// crash case), a different one is refused, a gap still is.
func TestRepeatedPartLenient(t *testing.T) {
	e := start(t, Options{}, map[string]bool{SwitchSeries: false})
	data := testData(900)
	uuid := e.chunk(t, e.alice, "", 0, 3, data[:300]).ok(t).str("file_uuid")
	e.chunk(t, e.alice, uuid, 1, 3, data[300:600]).ok(t)
	if a := e.chunk(t, e.alice, uuid, 1, 3, data[300:600]).ok(t); a.str("file_uuid") != uuid {
		t.Fatalf("repeat answered %s", a.raw)
	}
	e.chunk(t, e.alice, uuid, 1, 3, data[301:601]).wantError(t, 400, "partindex", "")
	e.chunk(t, e.alice, uuid, 0, 3, data[:300]).ok(t)
	e.chunk(t, e.alice, uuid, 2, 3, data[600:]).ok(t)
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "r.bin"}, [2]string{"md5", md5hex(data)}, [2]string{"totalparts", "3"}).ok(t)
}

// Rule 3.9.4: a single upload needs a file and answers file_url and
// file_uuid; the optional totalfilesize and md5 are checked.
func TestSingleUpload(t *testing.T) {
	e := start(t, Options{}, nil)
	data := testData(500)
	e.do(t, req{token: e.alice, fields: [][2]string{{"filename", "s.txt"}}}).wantError(t, 400, "file", "required")
	e.do(t, req{token: e.alice, fields: [][2]string{{"filename", "s.txt"}, {"totalfilesize", "499"}}, fileName: "file", file: data}).
		wantError(t, 400, "totalfilesize", "")
	e.do(t, req{token: e.alice, fields: [][2]string{{"filename", "s.txt"}, {"md5", md5hex(data[1:])}}, fileName: "file", file: data}).
		wantError(t, 400, "md5", "")
	e.do(t, req{token: e.alice, fields: [][2]string{{"filename", "../s.txt"}}, fileName: "file", file: data}).wantError(t, 400, "filename", "")
	e.do(t, req{
		token: e.alice, fields: [][2]string{{"filename", "s.txt"}}, fileName: "file", file: data,
		header: map[string]string{"Content-Range": "bytes 0-498/500"},
	}).wantError(t, 400, "", "invalid")
	a := e.do(t, req{
		token: e.alice, fields: [][2]string{{"filename", "s.txt"}, {"md5", md5hex(data)}, {"totalfilesize", "500"}},
		fileName: "file", file: data,
	}).ok(t)
	uuid := a.str("file_uuid")
	if uuid == "" || !strings.HasSuffix(a.str("file_url"), "/"+uuid+"/s.txt") {
		t.Fatalf("single upload answered %s", a.raw)
	}
	e.entry(t, "/"+uuid+"/s.txt")
	if len(e.srv.Tree(Name)) != 2 { // the uuid folder and the file
		t.Fatalf("refused uploads left entries: %+v", e.srv.Tree(Name))
	}
	resp, err := http.Get(a.str("file_url"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(got) != string(data) {
		t.Fatalf("file_url served %d bytes (%v), want the upload", len(got), err)
	}
}

// Rules 3.9.5 and 3.9.6: the done call.
func TestDoneRules(t *testing.T) {
	e := start(t, Options{}, nil)
	data := testData(1000)
	uuid := e.uploadParts(t, e.alice, data, 400)

	d := e.do(t, req{token: e.alice, query: "done"})
	d.wantError(t, 400, "uuid", "required")
	if !strings.Contains(string(d.raw), `"field":"filename"`) {
		t.Fatalf("missing filename not reported with missing uuid: %s", d.raw)
	}
	e.done(t, e.alice, [2]string{"uuid", uuid}).wantError(t, 400, "filename", "required")
	e.done(t, e.alice, [2]string{"uuid", "unknown"}, [2]string{"filename", "d.bin"}).wantError(t, 400, "uuid", "")
	e.done(t, e.bob, [2]string{"uuid", uuid}, [2]string{"filename", "d.bin"}).wantError(t, 400, "uuid", "")
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "d.bin"}, [2]string{"totalparts", "2"}).wantError(t, 400, "totalparts", "")
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "d.bin"}, [2]string{"totalfilesize", "999"}).wantError(t, 400, "totalfilesize", "")
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "d.bin"}, [2]string{"md5", md5hex(data[:999])}).wantError(t, 400, "md5", "")
	e.do(t, req{token: e.alice, query: "done/", fields: [][2]string{{"uuid", uuid}, {"filename", "d.bin"}}}).wantError(t, 400, "", "invalid")
	if n := len(e.srv.Tree(Name)); n != 0 {
		t.Fatalf("refused done calls stored %d entries", n)
	}

	// urlencoded, as the vendor's curl example sends it.
	body, ctype := urlencoded("uuid", uuid, "filename", "d.bin", "totalparts", "3", "md5", strings.ToUpper(md5hex(data)), "totalfilesize", "1000")
	a := e.do(t, req{token: e.alice, query: "done", body: body, ctype: ctype}).ok(t)
	if a.str("file_uuid") != uuid || !strings.HasSuffix(a.str("file_url"), "/d.bin") {
		t.Fatalf("done answered %s", a.raw)
	}
	sum := sha256.Sum256(data)
	if en := e.entry(t, "/"+uuid+"/d.bin"); en.SHA256 != hex.EncodeToString(sum[:]) || en.Meta["md5"] != md5hex(data) {
		t.Fatalf("stored %+v", en)
	}
	// A second done is refused, and parts for a finished uuid too.
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "d.bin"}).wantError(t, 400, "uuid", "already_done")
	e.chunk(t, e.alice, uuid, 1, 3, data[400:800]).wantError(t, 400, "uuid", "already_done")

	t.Run("incomplete", func(t *testing.T) {
		u2 := e.chunk(t, e.alice, "", 0, 2, data[:500]).ok(t).str("file_uuid")
		e.done(t, e.alice, [2]string{"uuid", u2}, [2]string{"filename", "i.bin"}).wantError(t, 400, "", "incomplete")
	})
	t.Run("json", func(t *testing.T) {
		u3 := e.uploadParts(t, e.alice, data, 1000)
		a := e.do(t, req{
			token: e.alice, query: "done", ctype: "application/json",
			body: strings.NewReader(fmt.Sprintf(`{"uuid":%q,"filename":"j.bin","totalparts":1,"totalfilesize":1000,"md5":%q}`, u3, md5hex(data))),
		}).ok(t)
		if a.str("file_uuid") != u3 {
			t.Fatalf("done answered %s", a.raw)
		}
	})
	t.Run("after_single_upload", func(t *testing.T) {
		s := e.do(t, req{token: e.alice, fields: [][2]string{{"filename", "one.txt"}}, fileName: "file", file: data[:10]}).ok(t)
		u := s.str("file_uuid")
		e.done(t, e.alice, [2]string{"uuid", u}, [2]string{"filename", "one.txt"}, [2]string{"totalparts", "2"}).wantError(t, 400, "totalparts", "")
		a := e.done(t, e.alice, [2]string{"uuid", u}, [2]string{"filename", "one.txt"}, [2]string{"totalparts", "1"},
			[2]string{"md5", md5hex(data[:10])}).ok(t)
		if a.str("file_url") != s.str("file_url") {
			t.Fatalf("done after a single upload answered %s, upload %s", a.raw, s.raw)
		}
	})
	t.Run("redone_off_and_doc_spelling", func(t *testing.T) {
		lax := start(t, Options{DoneSlash: true}, map[string]bool{SwitchRedone: false})
		u := lax.uploadParts(t, lax.alice, data, 600)
		a := lax.do(t, req{token: lax.alice, query: "done/", fields: [][2]string{{"uuid", u}, {"filename", "x.bin"}}}).ok(t)
		b := lax.done(t, lax.alice, [2]string{"uuid", u}, [2]string{"filename", "x.bin"}).ok(t)
		if string(a.raw) != string(b.raw) {
			t.Fatalf("repeated done answered %s, first %s", b.raw, a.raw)
		}
	})
}

// Rule 3.9.7: thumbnails hang off a finished file of the caller.
func TestThumbnail(t *testing.T) {
	e := start(t, Options{}, nil)
	data := testData(800)
	uuid := e.uploadParts(t, e.alice, data, 500)
	thumb := tinyPNG(t)
	e.do(t, req{token: e.alice, fields: [][2]string{{"parentuuid", uuid}, {"filename", "t.png"}}, fileName: "file", file: thumb}).
		wantError(t, 400, "parentuuid", "")
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "v.mp4"}).ok(t)
	e.do(t, req{token: e.bob, fields: [][2]string{{"parentuuid", uuid}, {"filename", "t.png"}}, fileName: "file", file: thumb}).
		wantError(t, 400, "parentuuid", "")
	e.do(t, req{token: e.alice, fields: [][2]string{{"parentuuid", uuid}}}).wantError(t, 400, "file", "required")
	a := e.do(t, req{token: e.alice, fields: [][2]string{{"parentuuid", uuid}, {"filename", "t.png"}}, fileName: "file", file: thumb}).ok(t)
	tu := a.str("file_uuid")
	if a.str("parent_file_uuid") != uuid || tu == "" || tu == uuid || a.str("file_url") == "" {
		t.Fatalf("thumbnail answered %s", a.raw)
	}
	if en := e.entry(t, "/"+tu+"/t.png"); en.Meta["parent_uuid"] != uuid {
		t.Fatalf("thumbnail stored %+v", en)
	}
	// A thumbnail is not finalized with done.
	e.done(t, e.alice, [2]string{"uuid", tu}, [2]string{"filename", "t.png"}).wantError(t, 400, "uuid", "")
}

// Rule 3.9.8 and limits: the error shape holds for size limits and bad
// bodies too.
func TestLimitsAndBodies(t *testing.T) {
	e := start(t, Options{MaxFileSize: 1000, MaxRequest: 4096}, nil)
	data := testData(1500)
	u := e.chunk(t, e.alice, "", 0, 2, data[:800]).ok(t).str("file_uuid")
	e.chunk(t, e.alice, u, 1, 2, data[800:]).wantError(t, http.StatusRequestEntityTooLarge, "file", "file_too_large")
	e.chunk(t, e.alice, "", 0, 2, data[:500], [2]string{"totalfilesize", "1500"}).wantError(t, http.StatusRequestEntityTooLarge, "file", "file_too_large")
	e.do(t, req{token: e.alice, fileName: "file", file: data}).wantError(t, http.StatusRequestEntityTooLarge, "file", "file_too_large")
	e.do(t, req{token: e.alice, fileName: "file", file: testData(5000)}).wantError(t, http.StatusRequestEntityTooLarge, "", "request_too_large")
	e.do(t, req{token: e.alice, query: "done", ctype: "text/plain", body: strings.NewReader("x")}).
		wantError(t, http.StatusUnsupportedMediaType, "", "unsupported_media_type")
	e.do(t, req{token: e.alice, query: "done", ctype: "application/json", body: strings.NewReader("{")}).wantError(t, 400, "", "parse_error")
	e.do(t, req{token: e.alice, fields: [][2]string{{"filename", "a"}}, fileName: "attachment", file: data[:10]}).wantError(t, 400, "attachment", "")
}

// With selfcommunity.ranges off the optional size fields are not compared
// with the bytes, but done still checks the declared total.
func TestRangesSwitchOff(t *testing.T) {
	e := start(t, Options{}, map[string]bool{SwitchRanges: false})
	data := testData(600)
	u := e.chunk(t, e.alice, "", 0, 2, data[:300], [2]string{"partbyteoffset", "7"}, [2]string{"chunksize", "1"}).ok(t).str("file_uuid")
	e.do(t, req{
		token: e.alice, fields: [][2]string{{"partindex", "1"}, {"totalparts", "2"}, {"uuid", u}}, fileName: "file", file: data[300:],
		header: map[string]string{"Content-Range": "bytes 0-1/2"},
	}).ok(t)
	e.done(t, e.alice, [2]string{"uuid", u}, [2]string{"filename", "o.bin"}, [2]string{"totalfilesize", "601"}).wantError(t, 400, "totalfilesize", "")
	e.done(t, e.alice, [2]string{"uuid", u}, [2]string{"filename", "o.bin"}, [2]string{"totalfilesize", "600"}).ok(t)
}

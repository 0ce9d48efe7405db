package selfcommunity

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// The requests the official clients send, exactly, must pass in the
// default (real-model) mode and under every strict switch alike.

// officialPart is the part size of community-js's MessageMediaUploader
// (chunkSize 204800).
const officialPart = 204_800

// uploadyPart is one chunk as @rpldy/chunked-uploady sends it configured by
// community-js's MessageChunkUploader: params partindex and totalparts,
// uuid once part 0 answered, the chunk as file part "file" named "blob",
// and Content-Range. A one-part file has no params at all.
func (e *testEnv) uploadyPart(t *testing.T, uuid string, idx, total int, data []byte, size int) answer {
	t.Helper()
	var fields [][2]string
	if total > 1 {
		fields = [][2]string{{"partindex", itoa(idx)}, {"totalparts", itoa(total)}}
		if uuid != "" {
			fields = append(fields, [2]string{"uuid", uuid})
		}
	}
	off := idx * officialPart
	hdr := map[string]string{}
	if len(data) > 0 {
		hdr["Content-Range"] = fmt.Sprintf("bytes %d-%d/%d", off, off+len(data)-1, size)
	}
	return e.do(t, req{token: e.alice, fields: fields, fileName: "file", file: data, header: hdr})
}

// uploadyFile sends data the community-js way and returns the file uuid
// and the thumbnail's file_uuid: parts, done (uuid, filename, totalparts;
// no md5), then the thumbnail (file + parentuuid).
func (e *testEnv) uploadyFile(t *testing.T, name string, data []byte) (fileUUID, thumbUUID string) {
	t.Helper()
	total := max(1, (len(data)+officialPart-1)/officialPart)
	uuid := ""
	for i := range total {
		part := data[i*officialPart : min(len(data), (i+1)*officialPart)]
		got := e.uploadyPart(t, uuid, i, total, part, len(data)).ok(t).str("file_uuid")
		if got == "" || (uuid != "" && got != uuid) {
			t.Fatalf("part %d answered file_uuid %q (uuid %q)", i, got, uuid)
		}
		uuid = got
	}
	d := e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", name}, [2]string{"totalparts", itoa(total)}).ok(t)
	if d.str("file_uuid") != uuid || !strings.HasSuffix(d.str("file_url"), "/"+uuid+"/"+name) {
		t.Fatalf("done answered %s", d.raw)
	}
	// A document's thumbnail is named after it with ".jpeg" (community-js
	// utils/thumbnailCoverter.ts:27).
	thumbName := strings.TrimSuffix(name, name[strings.LastIndex(name, "."):]) + ".jpeg"
	// uploadThumbnail appends file, then parentuuid (MCU:110-112).
	th := e.do(t, req{
		token: e.alice, fields: [][2]string{{"parentuuid", uuid}}, fileName: "file", partName: thumbName, fileFirst: true,
		file: tinyJPEG(t), // the official client draws a JPEG
	}).ok(t)
	if th.str("parent_file_uuid") != uuid || th.str("file_uuid") == "" || th.str("file_uuid") == uuid {
		t.Fatalf("thumbnail answered %s", th.raw)
	}
	return uuid, th.str("file_uuid")
}

// TestChunkedUploadyFlow sends a multi-part and a one-part file exactly as
// community-js does, then the message as PrivateMessageThread sends it
// (JSON, message "" and file_uuid the thumbnail's), in the default mode
// and in strict mode. The file is stored under done's name, and the
// message answer is a list.
func TestChunkedUploadyFlow(t *testing.T) {
	for _, strict := range []bool{false, true} {
		for _, n := range []int{3*officialPart + 1234, 1000} {
			t.Run(fmt.Sprintf("strict=%v/%d", strict, n), func(t *testing.T) {
				e := startAs(t, Options{}, sandbox.Config{Strict: strict})
				data := testData(n)
				uuid, thumb := e.uploadyFile(t, "report.pdf", data)
				sum := sha256.Sum256(data)
				if en := e.entry(t, "/"+uuid+"/report.pdf"); en.Size != int64(n) || en.SHA256 != hex.EncodeToString(sum[:]) {
					t.Fatalf("stored %+v", en)
				}
				a := e.do(t, req{
					path: "/api/v2/pm/", token: e.alice, ctype: "application/json",
					body: strings.NewReader(`{"recipients":[12],"message":"","file_uuid":"` + thumb + `"}`),
				})
				if a.status != http.StatusCreated || len(a.list) != 1 {
					t.Fatalf("send: %d %s, want 201 and a list of one", a.status, a.raw)
				}
				// The official client's text message: file_uuid null.
				a = e.do(t, req{
					path: "/api/v2/pm/", token: e.alice, ctype: "application/json",
					body: strings.NewReader(`{"recipients":[12],"message":"docs/report.pdf","file_uuid":null}`),
				})
				if a.status != http.StatusCreated || len(a.list) != 1 || a.list[0]["message"] != "docs/report.pdf" {
					t.Fatalf("send text: %d %s", a.status, a.raw)
				}
			})
		}
	}
}

// TestFineUploaderUUIDOnPart0: Fine Uploader sends its own qquuid on every
// part, part 0 included, and keeps echoing it. Strict mode took a uuid on
// part 0 for an unknown one and answered 400 "Unknown file uuid.".
func TestFineUploaderUUIDOnPart0(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			e := startAs(t, Options{Dialect: QQ}, sandbox.Config{Strict: strict})
			data := testData(2*officialPart + 10)
			const qq = "9a3f6b5e-0c1d-4e2f-8a7b-123456789abc"
			for i := range 3 {
				part := data[i*officialPart : min(len(data), (i+1)*officialPart)]
				a := e.do(t, req{token: e.alice, fileName: "qqfile", file: part, fields: [][2]string{
					{"qqpartindex", itoa(i)},
					{"qqpartbyteoffset", itoa(i * officialPart)},
					{"qqchunksize", itoa(len(part))},
					{"qqtotalparts", "3"},
					{"qqtotalfilesize", itoa(len(data))},
					{"qqfilename", "f.bin"},
					{"qquuid", qq},
				}}).ok(t)
				if a.str("file_uuid") != qq {
					t.Fatalf("part %d answered %s, want the client's uuid", i, a.raw)
				}
			}
			e.done(t, e.alice, [2]string{"qquuid", qq}, [2]string{"qqfilename", "f.bin"}, [2]string{"qqtotalparts", "3"}).ok(t)
			e.entry(t, "/"+qq+"/f.bin")
			// Another user naming the same uuid on part 0 gets a uuid of its own.
			if a := e.do(t, req{token: e.bob, fileName: "qqfile", file: data[:10], fields: [][2]string{
				{"qqpartindex", "0"}, {"qqtotalparts", "2"}, {"qquuid", qq},
			}}).ok(t); a.str("file_uuid") == qq || a.str("file_uuid") == "" {
				t.Fatalf("bob's part 0 answered %s", a.raw)
			}
		})
	}
}

// TestRepeatAfterLostAnswerStrict: a part repeated because its 200 answer
// was lost is acknowledged again even with the strict series rule; an
// older part stays refused under it.
func TestRepeatAfterLostAnswerStrict(t *testing.T) {
	e := start(t, Options{}, nil) // strict: series on
	data := testData(900)
	uuid := e.chunk(t, e.alice, "", 0, 3, data[:300]).ok(t).str("file_uuid")
	e.chunk(t, e.alice, uuid, 1, 3, data[300:600]).ok(t)
	if a := e.chunk(t, e.alice, uuid, 1, 3, data[300:600]).ok(t); a.str("file_uuid") != uuid {
		t.Fatalf("repeat answered %s", a.raw)
	}
	e.chunk(t, e.alice, uuid, 1, 3, data[301:601]).wantError(t, 400, "partindex", "")
	e.chunk(t, e.alice, uuid, 0, 3, data[:300]).wantError(t, 400, "partindex", "")
	e.chunk(t, e.alice, uuid, 2, 3, data[600:]).ok(t)
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "r.bin"}, [2]string{"md5", md5hex(data)}).ok(t)
	if en := e.entry(t, "/"+uuid+"/r.bin"); en.Size != 900 {
		t.Fatalf("stored %+v", en)
	}
}

// TestPMFileStrict: only under selfcommunity.pmfile is a file_uuid refused
// next to a text or when it is not a thumbnail's; the default mode takes
// both (the real server's reaction is unknown).
func TestPMFileStrict(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			e := startAs(t, Options{}, sandbox.Config{Strict: strict})
			uuid, thumb := e.uploadyFile(t, "a.txt", testData(10))
			send := func(body string) answer {
				return e.do(t, req{path: "/api/v2/pm/", token: e.alice, ctype: "application/json", body: strings.NewReader(body)})
			}
			withText := send(`{"recipients":[12],"message":"a.txt","file_uuid":"` + thumb + `"}`)
			mainUUID := send(`{"recipients":[12],"message":"","file_uuid":"` + uuid + `"}`)
			if strict {
				withText.wantError(t, 400, "file_uuid", "invalid")
				mainUUID.wantError(t, 400, "file_uuid", "invalid")
			} else if withText.status != 201 || mainUUID.status != 201 {
				t.Fatalf("default mode refused: %s / %s", withText.raw, mainUUID.raw)
			}
		})
	}
}

// TestGetThread: Get a Thread lists the caller's messages with a user (both
// directions) or in a group, paginated.
func TestGetThread(t *testing.T) {
	e := startAs(t, Options{}, sandbox.Config{})
	send := func(token, body string) {
		t.Helper()
		if a := e.do(t, req{path: "/api/v2/pm/", token: token, ctype: "application/json", body: strings.NewReader(body)}); a.status != 201 {
			t.Fatalf("send: %s", a.raw)
		}
	}
	send(e.alice, `{"recipients":[12,13],"message":"one"}`)
	send(e.bob, `{"recipients":[11],"message":"two"}`)
	send(e.alice, `{"group":21,"message":"three"}`)
	get := func(token, q string) answer {
		return e.do(t, req{path: "/api/v2/pm/", query: q, method: http.MethodGet, token: token})
	}
	a := get(e.alice, "user=12")
	res, _ := a.body["results"].([]any)
	if a.status != 200 || a.body["count"] != float64(2) || len(res) != 2 {
		t.Fatalf("thread with bob: %s", a.raw)
	}
	var texts []string
	for _, r := range res {
		texts = append(texts, r.(map[string]any)["message"].(string))
	}
	if strings.Join(texts, ",") != "one,two" {
		t.Fatalf("thread texts %v", texts)
	}
	a = get(e.alice, "user=12&limit=1")
	if a.body["next"] == nil || !bytes.Contains(a.raw, []byte(`"one"`)) {
		t.Fatalf("first page %s", a.raw)
	}
	if a := get(e.bob, "group=21"); !bytes.Contains(a.raw, []byte(`"three"`)) || a.body["count"] != float64(1) {
		t.Fatalf("group thread %s", a.raw)
	}
	get(e.alice, "").wantError(t, 400, "thread", "required")
	get(e.alice, "group=77").wantError(t, 403, "", "permission_denied")
}

// TestTreeShowsTheCaption: the file message (a thumbnail's uuid, no text)
// marks the thumbnail and its parent file as sent; the text message that
// follows it in the thread becomes the file's caption in the tree.
func TestTreeShowsTheCaption(t *testing.T) {
	e := startAs(t, Options{}, sandbox.Config{})
	uuid, thumb := e.uploadyFile(t, "report.pdf", testData(3000))
	send := func(body string) {
		t.Helper()
		if a := e.do(t, req{path: "/api/v2/pm/", token: e.alice, ctype: "application/json", body: strings.NewReader(body)}); a.status != 201 {
			t.Fatalf("send: %s", a.raw)
		}
	}
	send(`{"recipients":[12,13],"message":"","file_uuid":"` + thumb + `"}`)
	send(`{"recipients":[12],"message":"elsewhere"}`) // another thread: no caption
	send(`{"recipients":[12,13],"message":"docs/report.pdf","file_uuid":null}`)
	send(`{"recipients":[12,13],"message":"a later text"}`) // not right after a file message
	en := e.entry(t, "/"+uuid+"/report.pdf")
	if en.Meta["sent_to"] != "users:12,13" || en.Meta["message"] != "docs/report.pdf" || en.Meta["message_id"] != "1" {
		t.Fatalf("file meta %+v", en.Meta)
	}
}

// TestThumbImageStrict: only under selfcommunity.thumbimage must a
// thumbnail be an image.
func TestThumbImageStrict(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			e := startAs(t, Options{}, sandbox.Config{Strict: strict})
			uuid := e.uploadyPart(t, "", 0, 1, testData(50), 50).ok(t).str("file_uuid")
			e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "a.txt"}, [2]string{"totalparts", "1"}).ok(t)
			a := e.do(t, req{token: e.alice, fields: [][2]string{{"parentuuid", uuid}}, fileName: "file", partName: "a.jpeg", file: []byte("not an image")})
			if strict {
				a.wantError(t, 400, "file", "invalid_image")
			} else {
				a.ok(t)
			}
			e.do(t, req{token: e.alice, fields: [][2]string{{"parentuuid", uuid}}, fileName: "file", partName: "a.png", file: tinyPNG(t)}).ok(t)
		})
	}
}

// TestCORS: a browser page of another origin (the official client's case)
// gets its preflight answered and its origin echoed; a request without
// Origin gets no CORS headers.
func TestCORS(t *testing.T) {
	e := startAs(t, Options{}, sandbox.Config{})
	pre := e.do(t, req{method: http.MethodOptions, header: map[string]string{
		"Origin": "http://127.0.0.1:5173", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization,content-range",
	}})
	if pre.status != http.StatusNoContent {
		t.Fatalf("preflight: %d %s", pre.status, pre.raw)
	}
	req0, err := http.NewRequest(http.MethodOptions, e.srv.BaseURL()+"/api/v2/pm/upload/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req0.Header.Set("Origin", "http://127.0.0.1:5173")
	req0.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req0)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:5173" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight headers %v", resp.Header)
	}
	a := e.uploadyPart(t, "", 0, 1, testData(10), 10)
	a.ok(t)
	e.do(t, req{method: http.MethodOptions}).wantError(t, 405, "", "method_not_allowed") // no Origin: not a preflight
}

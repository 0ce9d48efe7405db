package selfcommunity

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// mpart is one part of a hand-ordered multipart body: a field, or the
// file part when file is set.
type mpart struct {
	name, value string
	file        []byte
	isFile      bool
}

func field(name, value string) mpart { return mpart{name: name, value: value} }
func filePartOf(data []byte) mpart   { return mpart{name: "file", file: data, isFile: true} }

// ordered sends parts in exactly the given order.
func (e *testEnv) ordered(t *testing.T, parts ...mpart) answer {
	t.Helper()
	body, ctype := orderedBody(t, parts)
	return e.do(t, req{token: e.alice, body: bytes.NewReader(body), ctype: ctype})
}

func orderedBody(t *testing.T, parts []mpart) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if !p.isFile {
			if err := mw.WriteField(p.name, p.value); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := mw.CreateFormFile(p.name, "blob")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(p.file)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// finish sends the remaining parts in the usual order, then done with
// the MD5 of data, and checks the stored file is exactly data: a refused
// or broken request before left neither bytes nor MD5 state behind.
func (e *testEnv) finish(t *testing.T, uuid string, data []byte, from, n int) {
	t.Helper()
	total := (len(data) + n - 1) / n
	for i := from; i < total; i++ {
		e.chunk(t, e.alice, uuid, i, total, data[i*n:min(len(data), (i+1)*n)]).ok(t)
	}
	name := "f" + uuid[:6] + ".bin"
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", name}, [2]string{"md5", md5hex(data)},
		[2]string{"totalfilesize", itoa(len(data))}).ok(t)
	if en := e.entry(t, "/"+uuid+"/"+name); en.Size != int64(len(data)) || en.Meta["md5"] != md5hex(data) {
		t.Fatalf("stored %+v, want %d bytes of md5 %s", en, len(data), md5hex(data))
	}
}

func (e *testEnv) uploadCount() int {
	e.api.mu.Lock()
	defer e.api.mu.Unlock()
	return len(e.api.uploads)
}

// A part streamed onto its upload (fields first) and then refused by a
// field that comes after the file part, or by the body's shape, is undone
// completely: the same part is accepted next, and done's MD5 and size
// match the bytes of the accepted parts only.
func TestStreamedPartRefusedAfterwards(t *testing.T) {
	data := testData(3000)
	p1 := data[1000:2000]
	head := []mpart{field("partindex", "1"), field("totalparts", "3")}
	cases := []struct {
		name   string
		tail   []mpart // after the file part
		status int
		field  string
	}{
		{"offset_after_file", []mpart{field("partbyteoffset", "999")}, 400, "partbyteoffset"},
		{"chunksize_after_file", []mpart{field("chunksize", "1001")}, 400, "chunksize"},
		{"size_after_file", []mpart{field("totalfilesize", "1500")}, 400, "totalfilesize"},
		{"duplicate_index_after_file", []mpart{field("partindex", "1")}, 400, "partindex"},
		{"other_dialect_after_file", []mpart{field("qqfilename", "x")}, 400, "qqfilename"},
		{"parentuuid_after_file", []mpart{field("parentuuid", "p")}, 400, "parentuuid"},
		{"second_file_part", []mpart{filePartOf(p1)}, 400, "file"},
		{"file_also_a_field", []mpart{field("file", "x")}, 400, "file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, Options{}, nil)
			uuid := e.chunk(t, e.alice, "", 0, 3, data[:1000]).ok(t).str("file_uuid")
			parts := append(append(append([]mpart{}, head...), field("uuid", uuid), filePartOf(p1)), tc.tail...)
			e.ordered(t, parts...).wantError(t, tc.status, tc.field, "")
			e.finish(t, uuid, data, 1, 1000)
		})
	}
	t.Run("too_large_mid_part", func(t *testing.T) {
		e := start(t, Options{MaxRequest: 4096}, nil)
		small := data[:2000]
		uuid := e.chunk(t, e.alice, "", 0, 2, small[:1000]).ok(t).str("file_uuid")
		e.ordered(t, append(head[:1:1], field("totalparts", "2"), field("uuid", uuid), filePartOf(testData(5000)))...).
			wantError(t, http.StatusRequestEntityTooLarge, "", "request_too_large")
		e.finish(t, uuid, small, 1, 1000)
	})
	t.Run("file_too_large", func(t *testing.T) {
		e := start(t, Options{MaxFileSize: 1500}, nil)
		small := data[:1500]
		uuid := e.chunk(t, e.alice, "", 0, 2, small[:1000]).ok(t).str("file_uuid")
		e.chunk(t, e.alice, uuid, 1, 2, data[1000:2000]).wantError(t, http.StatusRequestEntityTooLarge, "file", "file_too_large")
		e.finish(t, uuid, small, 1, 1000)
	})
}

// Part 0 streamed into a fresh upload and then refused registers nothing;
// a uuid that comes after the file part makes part 0 a re-send of that
// upload's part (compared in lenient mode, refused in series mode), and
// the fresh upload it was streamed into is dropped.
func TestStreamedFirstPart(t *testing.T) {
	data := testData(2000)
	t.Run("refused", func(t *testing.T) {
		e := start(t, Options{}, nil)
		e.ordered(t, field("partindex", "0"), field("totalparts", "2"), filePartOf(data[:1000]), field("totalfilesize", "999")).
			wantError(t, 400, "totalfilesize", "")
		e.ordered(t, field("partindex", "0"), field("totalparts", "2"), filePartOf(data[:1000]), field("uuid", "")).
			wantError(t, 400, "uuid", "required")
		if n := e.uploadCount(); n != 0 {
			t.Fatalf("refused first parts registered %d uploads", n)
		}
	})
	for _, series := range []bool{false, true} {
		t.Run(fmt.Sprintf("uuid_after_file/series=%v", series), func(t *testing.T) {
			e := start(t, Options{}, map[string]bool{SwitchSeries: series})
			uuid := e.chunk(t, e.alice, "", 0, 2, data[:1000]).ok(t).str("file_uuid")
			a := e.ordered(t, field("partindex", "0"), field("totalparts", "2"), filePartOf(data[:1000]), field("uuid", uuid))
			// The last part received may always be sent again (a lost 200).
			if a.ok(t).str("file_uuid") != uuid {
				t.Fatalf("re-send answered %s", a.raw)
			}
			e.ordered(t, field("partindex", "0"), field("totalparts", "2"), filePartOf(data[1:1001]), field("uuid", uuid)).
				wantError(t, 400, "partindex", "")
			if n := e.uploadCount(); n != 1 {
				t.Fatalf("%d uploads, want the one", n)
			}
			e.finish(t, uuid, data, 1, 1000)
		})
	}
}

// A file part sent before the fields that name it is staged and stored
// from the staged copy, re-sends compared from it too.
func TestFilePartBeforeFields(t *testing.T) {
	e := start(t, Options{}, map[string]bool{SwitchSeries: false})
	data := testData(2500)
	a := e.ordered(t, filePartOf(data[:1000]), field("partindex", "0"), field("totalparts", "3")).ok(t)
	uuid := a.str("file_uuid")
	e.ordered(t, field("partindex", "1"), filePartOf(data[1000:2000]), field("totalparts", "3"), field("uuid", uuid)).ok(t)
	e.ordered(t, filePartOf(data[1000:2000]), field("partindex", "1"), field("totalparts", "3"), field("uuid", uuid)).ok(t)
	e.ordered(t, filePartOf(data[1000:1999]), field("partindex", "1"), field("totalparts", "3"), field("uuid", uuid)).
		wantError(t, 400, "partindex", "")
	e.ordered(t, filePartOf(data[2000:]), field("partindex", "2"), field("totalparts", "3"), field("uuid", uuid), field("partbyteoffset", "1")).
		wantError(t, 400, "partbyteoffset", "")
	e.finish(t, uuid, data, 2, 1000)
}

// Lenient re-sends streamed against the stored part: only the exact bytes
// are acknowledged; a prefix, a longer part or one changed byte is not.
func TestStreamedResendCompare(t *testing.T) {
	e := start(t, Options{}, map[string]bool{SwitchSeries: false})
	data := testData(3 << 20) // parts larger than the comparison's pieces
	n := 1 << 20
	uuid := e.chunk(t, e.alice, "", 0, 3, data[:n]).ok(t).str("file_uuid")
	e.chunk(t, e.alice, uuid, 1, 3, data[n:2*n]).ok(t)
	e.chunk(t, e.alice, uuid, 1, 3, data[n:2*n]).ok(t)
	e.chunk(t, e.alice, uuid, 0, 3, data[:n]).ok(t)
	changed := bytes.Clone(data[n : 2*n])
	changed[len(changed)-1] ^= 1
	for name, p := range map[string][]byte{
		"prefix": data[n : 2*n-1], "longer": data[n : 2*n+1], "changed": changed, "empty": nil, "other_part": data[:n],
	} {
		t.Run(name, func(t *testing.T) {
			e.chunk(t, e.alice, uuid, 1, 3, p).wantError(t, 400, "partindex", "")
		})
	}
	e.finish(t, uuid, data, 2, n)
}

// A connection that breaks off in the middle of a streamed part leaves no
// trace: neither its received prefix (onto an upload, or as a fresh one,
// whose temporary blob is removed) nor the upload's lock.
func TestStreamedPartBrokenConnection(t *testing.T) {
	dir := t.TempDir()
	e := startConfig(t, Options{}, sandbox.Config{Dir: dir})
	data := testData(600 << 10)
	n := 200 << 10
	uuid := e.chunk(t, e.alice, "", 0, 3, data[:n]).ok(t).str("file_uuid")
	cut := func(parts ...mpart) {
		body, ctype := orderedBody(t, parts)
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(e.srv.BaseURL(), "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "POST /api/v2/pm/upload/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			e.alice, ctype, len(body))
		if _, err := c.Write(body[:len(body)-n/2]); err != nil {
			t.Fatal(err)
		}
	}
	cut(field("partindex", "1"), field("totalparts", "3"), field("uuid", uuid), filePartOf(data[n:2*n]))
	cut(field("partindex", "0"), field("totalparts", "3"), filePartOf(data[:n]))
	// The next request naming the upload waits for the broken one to be
	// undone, then finds the upload as it was.
	e.finish(t, uuid, data, 1, n)
	refused := func() int {
		c := 0
		for _, l := range e.srv.Log() {
			if l.Status != http.StatusOK {
				c++
			}
		}
		return c
	}
	deadline := time.Now().Add(10 * time.Second)
	for refused() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if c := refused(); c != 2 {
		t.Fatalf("%d refused requests in the log, want the 2 broken ones: %+v", c, e.srv.Log())
	}
	if c := e.uploadCount(); c != 1 {
		t.Fatalf("%d uploads after a broken first part, want 1", c)
	}
	left, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil || len(left) != 0 {
		t.Fatalf("temporary files left: %v (%v)", left, err)
	}
}

// While a part streams onto an upload, another request naming it waits
// for it: parts stay in series.
func TestStreamHoldsUpload(t *testing.T) {
	e := start(t, Options{}, nil)
	data := testData(3000)
	uuid := e.chunk(t, e.alice, "", 0, 3, data[:1000]).ok(t).str("file_uuid")
	body, ctype := orderedBody(t, []mpart{field("partindex", "1"), field("totalparts", "3"), field("uuid", uuid), filePartOf(data[1000:2000])})
	pr, pw := io.Pipe()
	slow := make(chan answer, 1)
	go func() {
		hr, _ := http.NewRequest(http.MethodPost, e.srv.BaseURL()+"/api/v2/pm/upload/", pr)
		hr.Header.Set("Content-Type", ctype)
		hr.Header.Set("Authorization", "Bearer "+e.alice)
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			slow <- answer{status: -1, raw: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		slow <- answer{status: resp.StatusCode, raw: raw}
	}()
	half := len(body) - 500 // well inside the file part
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	// Wait (bounded) until the server streams the part: it holds the
	// upload's lock from the file part's start.
	e.api.mu.Lock()
	up := e.api.uploads[uuid]
	e.api.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if !up.mu.TryLock() {
			break
		}
		up.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("the part did not start streaming within 10s")
		}
	}
	second := make(chan answer, 1)
	b, ct := orderedBody(t, []mpart{field("partindex", "2"), field("totalparts", "3"), field("uuid", uuid), filePartOf(data[2000:])})
	go func() {
		hr, _ := http.NewRequest(http.MethodPost, e.srv.BaseURL()+"/api/v2/pm/upload/", bytes.NewReader(b))
		hr.Header.Set("Content-Type", ct)
		hr.Header.Set("Authorization", "Bearer "+e.alice)
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			second <- answer{status: -1, raw: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		second <- answer{status: resp.StatusCode, raw: raw}
	}()
	select {
	case a := <-second:
		t.Fatalf("part 2 answered %d %s while part 1 was still streaming", a.status, a.raw)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := pw.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	for _, ch := range []chan answer{slow, second} {
		select {
		case a := <-ch:
			if a.status != http.StatusOK {
				t.Fatalf("answered %d %s", a.status, a.raw)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no answer within 10s")
		}
	}
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "s.bin"}, [2]string{"md5", md5hex(data)}).ok(t)
}

// A part whose body breaks off one byte before the end of its file stores
// nothing: the client (provider.Capabilities.IncompleteChunkNotStored)
// holds back a part's last byte until its previous part's acknowledgement
// is saved, relying on this (docs/protocols/selfcommunity.md, "Progress
// saved beside the next part").
func TestPartCutBeforeItsLastByteStoresNothing(t *testing.T) {
	e := startConfig(t, Options{}, sandbox.Config{Dir: t.TempDir()})
	data := testData(600 << 10)
	n := 200 << 10
	uuid := e.chunk(t, e.alice, "", 0, 3, data[:n]).ok(t).str("file_uuid")
	body, ctype := orderedBody(t, []mpart{field("partindex", "1"), field("totalparts", "3"), field("uuid", uuid), filePartOf(data[n : 2*n])})
	end := bytes.LastIndex(body, data[n:2*n]) + n // the file part's end in the body
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(e.srv.BaseURL(), "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "POST /api/v2/pm/upload/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		e.alice, ctype, len(body))
	if _, err := c.Write(body[:end-1]); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// Part 1 is still expected: the next request waits for the broken one
	// to be undone, then the file completes from part 1 as if it never came.
	e.finish(t, uuid, data, 1, n)
}

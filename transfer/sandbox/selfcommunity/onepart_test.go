package selfcommunity

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// A one-part file sent through the chunk route (partindex 0 of
// totalparts 1) under every strict rule: with all the optional size
// fields and Content-Range, it is acknowledged, stays invisible until
// done, and done stores it. An empty file is the same with no
// Content-Range (a zero-length range cannot be written).
func TestOnePartChunked(t *testing.T) {
	for _, n := range []int{0, 1, 700} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := start(t, Options{}, nil)
			data := testData(n)
			extra := [][2]string{
				{"filename", "one.bin"},
				{"filetype", "application/octet-stream"},
				{"totalfilesize", itoa(n)},
				{"partbyteoffset", "0"},
				{"chunksize", itoa(n)},
			}
			r := req{
				token: e.alice, fileName: "file", file: data,
				fields: append([][2]string{{"partindex", "0"}, {"totalparts", "1"}}, extra...),
			}
			if n > 0 {
				r.header = map[string]string{"Content-Range": fmt.Sprintf("bytes 0-%d/%d", n-1, n)}
			}
			uuid := e.do(t, r).ok(t).str("file_uuid")
			if uuid == "" {
				t.Fatal("part 0 answered no file_uuid")
			}
			if tree := e.srv.Tree(Name); len(tree) != 0 {
				t.Fatalf("a part without done is visible: %+v", tree)
			}
			a := e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "one.bin"}, [2]string{"totalparts", "1"},
				[2]string{"totalfilesize", itoa(n)}, [2]string{"md5", md5hex(data)}).ok(t)
			if a.str("file_uuid") != uuid {
				t.Fatalf("done answered %s", a.raw)
			}
			sum := sha256.Sum256(data)
			if en := e.entry(t, "/"+uuid+"/one.bin"); en.Size != int64(n) || en.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("stored %+v", en)
			}
		})
	}
	t.Run("wrong_size_fields", func(t *testing.T) {
		e := start(t, Options{}, nil)
		data := testData(700)
		e.chunk(t, e.alice, "", 0, 1, data, [2]string{"totalfilesize", "701"}).wantError(t, 400, "totalfilesize", "")
		e.do(t, req{
			token: e.alice, fileName: "file", file: data, fields: [][2]string{{"partindex", "0"}, {"totalparts", "1"}},
			header: map[string]string{"Content-Range": "bytes 0-698/700"},
		}).wantError(t, 400, "", "invalid")
		e.chunk(t, e.alice, "", 0, 1, data, [2]string{"partindex", "1"}).wantError(t, 400, "partindex", "")
		if tree := e.srv.Tree(Name); len(tree) != 0 {
			t.Fatalf("refused parts stored %+v", tree)
		}
	})
}

// Every request naming a finalized uuid says so with one code on the uuid
// field, whatever the request: a second done and a re-sent part alike (a
// client that lost the done answer re-sends its last part first). An
// unknown uuid, or a forgotten one, keeps a different code, so a client
// can tell "already stored" from "start over".
func TestFinalizedAnswers(t *testing.T) {
	for _, series := range []bool{true, false} {
		t.Run(fmt.Sprintf("series=%v", series), func(t *testing.T) {
			e := start(t, Options{}, map[string]bool{SwitchSeries: series})
			data := testData(900)
			uuid := e.uploadParts(t, e.alice, data, 400)
			e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "f.bin"}).ok(t)
			e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "f.bin"}).wantError(t, 400, "uuid", codeAlreadyDone)
			e.chunk(t, e.alice, uuid, 2, 3, data[800:]).wantError(t, 400, "uuid", codeAlreadyDone)
			e.chunk(t, e.alice, uuid, 1, 3, data[400:800]).wantError(t, 400, "uuid", codeAlreadyDone)

			e.done(t, e.alice, [2]string{"uuid", "no-such-uuid"}, [2]string{"filename", "f.bin"}).wantError(t, 400, "uuid", "invalid")
			e.chunk(t, e.alice, "no-such-uuid", 1, 3, data[400:800]).wantError(t, 400, "uuid", "invalid")
			// Another user's finalized uuid is unknown to the caller.
			e.done(t, e.bob, [2]string{"uuid", uuid}, [2]string{"filename", "f.bin"}).wantError(t, 400, "uuid", "invalid")
			if n := len(e.srv.Tree(Name)); n != 2 { // the uuid folder and the file
				t.Fatalf("%d tree entries, want the one file", n)
			}
		})
	}
}

package selfcommunity

import (
	"bytes"
	"mime"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/100", "bytes 100-199/1000", "bytes 5-4/10", "bytes -1-3/4", "0-1/2", "bytes 0-0/1", "bytes 1-2/*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, end, total, ok := parseContentRange(s)
		if ok && (start < 0 || end < start || total <= end) {
			t.Fatalf("%q accepted as %d-%d/%d", s, start, end, total)
		}
	})
}

// FuzzParseForm feeds arbitrary bodies and content types to the request
// parser: it must answer with a field map or a service error, never panic,
// and only a multipart body may carry a file.
func FuzzParseForm(f *testing.F) {
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"uuid\"\r\n\r\nabc\r\n--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"blob\"\r\n\r\nDATA\r\n--X--\r\n"), false)
	f.Add("application/x-www-form-urlencoded", []byte("uuid=a&filename=b&totalparts=2"), false)
	f.Add("application/json", []byte(`{"uuid":"a","totalparts":2,"recipients":[1,2],"x":null}`), true)
	f.Add("application/json", []byte(`{"qquuid":"a","uuid":"b"}`), true)
	f.Add("text/plain", []byte("x"), false)
	f.Add("multipart/form-data", []byte("--X--"), true)
	st, err := sandbox.NewStore(f.TempDir(), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte, qq bool) {
		d := Plain
		if qq {
			d = QQ
		}
		r := httptest.NewRequest(http.MethodPost, "/api/v2/pm/upload/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		fm, aerr := parseForm(w, r, d, 1<<16, st, nil)
		if aerr != nil {
			if aerr.status < 400 || len(aerr.items) == 0 {
				t.Fatalf("error without status or items: %+v", aerr)
			}
			return
		}
		defer fm.release()
		if mt, _, _ := mime.ParseMediaType(ctype); fm.file != nil && mt != "multipart/form-data" {
			t.Fatal("a file from a non-multipart body")
		}
		if fm.file != nil && fm.fileField != wire(d, fFile) {
			t.Fatalf("file part %q accepted in dialect %s", fm.fileField, d)
		}
	})
}

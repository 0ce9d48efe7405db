package filesro

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// FuzzUploadRequest feeds arbitrary multipart bodies to the upload
// handler: it must answer every one with a status the real service uses
// for client input, never panic and never fail internally.
func FuzzUploadRequest(f *testing.F) {
	seed := func(parts []part) {
		ct, body := multipartBody(f, parts)
		f.Add(ct, body)
	}
	seed(chunkParts("k1", "a.txt", "hello", true, field("path", "/x/y/a.txt")))
	seed(chunkParts("k2", "b", "", false, field("parent_id", "0f8fad5b-d9cb-469f-a165-70867728950e")))
	seed([]part{filePart("file", "s.bin", "simple")})
	seed([]part{field("is_last_chunk", "true"), filePart("chunk", "", "x")})
	f.Add("multipart/form-data; boundary=zz", []byte("--zz\r\nContent-Disposition: form-data; name=\"chunk\"; filename=\"../../k\"\r\n\r\nabc\r\n--zz--\r\n"))
	f.Add("text/plain", []byte("name=a"))

	api, err := New(Options{Shares: []Share{{Name: "editor", Token: "FuzzTokenFuzzTok", Permission: PermEditor}}})
	if err != nil {
		f.Fatal(err)
	}
	srv, err := sandbox.New(sandbox.Config{Strict: true, APIs: []sandbox.API{api}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })
	allowed := []int{200, 201, 400, 403, 409, 413, 422}

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/shares/FuzzTokenFuzzTok/uploads", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if !slices.Contains(allowed, rec.Code) {
			t.Fatalf("status %d for %q %q: %s", rec.Code, contentType, body, rec.Body.Bytes())
		}
		if rec.Code == 200 && rec.Body.Len() != 0 {
			t.Fatalf("200 with a body: %s", rec.Body.Bytes())
		}
	})
}

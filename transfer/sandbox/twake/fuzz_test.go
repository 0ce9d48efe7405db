package twake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

func TestJSParseInt(t *testing.T) {
	for in, want := range map[string]int64{
		"": 0, "12": 12, "  7": 7, "12abc": 12, "abc": 0, "-3": -3, "+4": 4, "0x10": 0, "1e3": 1,
		"99999999999999999999": 1<<63 - 1,
	} {
		if got := jsParseInt(in); got != want {
			t.Errorf("jsParseInt(%q) = %d, want %d", in, got, want)
		}
	}
}

// FuzzParams checks the query parsers: the lenient one never fails and
// always yields a usable chunk number; whatever the strict check accepts
// parses to the same numbers with either parser.
func FuzzParams(f *testing.F) {
	f.Add("chunk_number=1&total_chunks=2&total_size=10&filename=a&type=b")
	f.Add("resumableChunkNumber=2&resumableTotalChunks=2&chunk_number=2")
	f.Add("chunk_number=0&total_chunks=-1&total_size=1e9")
	f.Add("chunk_number=%20%2B3&total_chunks=3")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p := parseParams(q)
		if p.ChunkNumber == 0 || p.TotalChunks == 0 {
			t.Fatalf("%q: zero chunk number or count %+v", raw, p)
		}
		if strictParams(q) != nil {
			return
		}
		n, err1 := strconv.Atoi(pick(q, paramNames[0]))
		total, err2 := strconv.Atoi(pick(q, paramNames[1]))
		if err1 != nil || err2 != nil || n != p.ChunkNumber || total != p.TotalChunks || n < 1 || n > total {
			t.Fatalf("%q: strict accepted but parsed %+v", raw, p)
		}
	})
}

// FuzzItemCreate feeds arbitrary bodies to Drive item creation: the
// sandbox answers 200 with an item, 400 (schema) or the generic 500, and
// never panics; a 200 names an item that exists.
func FuzzItemCreate(f *testing.F) {
	a := New(Config{Secret: []byte("fuzz-secret-0123456789abcdef0123"), PollUnit: time.Microsecond})
	srv, err := sandbox.New(sandbox.Config{APIs: []sandbox.API{a}, Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })
	tok, err := a.Token(a.UserID(), time.Now().Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"item":{"parent_id":"root","name":"a","is_directory":true},"version":{}}`))
	f.Add([]byte(`{"item":{"parent_id":"root","name":"a"},"version":{"file_metadata":{"external_id":"x"}}}`))
	f.Add([]byte(`{"item":{"name":"a.b.c"},"version":{}}`))
	f.Add([]byte(`{"item":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/internal/services/documents/v1/companies/"+a.CompanyID()+"/item", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		srv.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			var it createdItem
			if err := json.Unmarshal(rec.Body.Bytes(), &it); err != nil || it.ID == "" {
				t.Fatalf("200 without an item: %s", rec.Body)
			}
			if _, ok := a.driveNode(it.ID); !ok {
				t.Fatalf("answered item %s does not exist", it.ID)
			}
		case http.StatusBadRequest, http.StatusInternalServerError, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// FuzzChunkRequest feeds arbitrary bodies and content types to the chunk
// route: the sandbox must answer (never panic) and only ever store chunks
// it answered 200 for.
func FuzzChunkRequest(f *testing.F) {
	a := New(Config{Secret: []byte("fuzz-secret-0123456789abcdef0123")})
	srv, err := sandbox.New(sandbox.Config{APIs: []sandbox.API{a}, Strict: true, Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() }) // never started; Close removes nothing else
	tok, err := a.Token(a.UserID(), time.Now().Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	init := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/internal/services/files/v1/companies/"+a.CompanyID()+"/files", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	srv.ServeHTTP(init, req)
	if init.Code != 200 {
		f.Fatalf("init: %d %s", init.Code, init.Body)
	}
	id := decode(f, init.Body.Bytes()).ID
	ct, body := multipartBody(f, part{"file", "a.bin", []byte("hello")})
	f.Add("chunk_number=1&total_chunks=1&total_size=5", ct, body)
	f.Add("chunk_number=1&total_chunks=2", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc\r\n--x--\r\n"))
	f.Add("chunk_number=1&total_chunks=1", "multipart/form-data; boundary=x", []byte("--x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, query, contentType string, body []byte) {
		before, _ := a.Completion("", id)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/internal/services/files/v1/companies/"+a.CompanyID()+"/files/"+id, bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", contentType)
		srv.ServeHTTP(rec, req)
		if rec.Code == 0 || (rec.Code != http.StatusOK && rec.Code < 400) {
			t.Fatalf("status %d", rec.Code)
		}
		if after, _ := a.Completion("", id); rec.Code != http.StatusOK && !slices.Equal(before.Present, after.Present) {
			t.Fatalf("refused request (%d: %s) changed the stored chunks from %v to %v", rec.Code, rec.Body, before.Present, after.Present)
		}
	})
}

package selfcommunity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
)

func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"errors":[{"code":"invalid","message":"Unknown file uuid.","field":"uuid"}]}`,
		`{"errors":[{"code":"required","messages":["a","b"],"field":"file"},{"code":"x"}]}`,
		`{"errors":[]}`, `{"errors":null}`, `{"errors":[{"code":7}]}`, `<html>bad gateway</html>`, ``, `"text"`,
		`{"detail":"Authentication credentials were not provided."}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		se := parseErrorBody(body)
		var eb api.ErrorBody
		if json.Unmarshal(body, &eb) != nil || len(eb.Errors) == 0 {
			// Not the service's shape: no fields, at most a short text.
			if len(se.fields) != 0 || len(se.message) > 200 || strings.HasPrefix(se.message, "<") {
				t.Fatalf("foreign body %q parsed as %+v", body, se)
			}
		}
		for _, fl := range se.fields {
			if fl == "" {
				t.Fatal("empty field name recorded")
			}
		}
		_ = se.has("uuid", api.FieldsOf(api.QQ).UUID)
	})
}

func FuzzDecodeState(f *testing.F) {
	u := provider.Upload{Name: "f.bin", Size: 3*MinChunkSize + 5, ChunkSize: MinChunkSize}
	f.Add(newState(u).encode())
	st := newState(u)
	st.UUID, st.Acked, st.Hashed = "abc", 1, 2*MinChunkSize
	f.Add(st.encode())
	f.Add([]byte(`{"v":1,"acked":-1,"parts":4,"size":49157,"chunk_size":16384,"hashed":0,"md5":""}`))
	f.Add([]byte(`{"v":1,"acked":9999999999,"parts":4}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeState(b, u)
		if err != nil {
			return
		}
		// Whatever decodes is usable: the hash loads and the state
		// round-trips to the same meaning.
		if _, err := loadHash(s.MD5); err != nil {
			t.Fatalf("accepted state with an unusable md5: %v", err)
		}
		again, err := decodeState(s.encode(), u)
		if err != nil || again.Acked != s.Acked || again.UUID != s.UUID || !bytes.Equal(again.MD5, s.MD5) {
			t.Fatalf("round trip: %+v %v", again, err)
		}
		if s.Acked >= 0 && s.UUID == "" {
			t.Fatal("acknowledged parts without a uuid")
		}
	})
}

// FuzzResponses answers every request of a one-part upload with the same
// fuzzed status and body: whatever the server says, the provider returns
// a classified *provider.Error or a result backed by a file_uuid, and
// never panics.
func FuzzResponses(f *testing.F) {
	f.Add(200, []byte(`{"file_uuid":"u1","file_url":"https://h/m/u1/a.txt"}`))
	f.Add(200, []byte(`{"file_uuid":""}`))
	f.Add(200, []byte(`[]`))
	f.Add(201, []byte(`[{"id":1,"file":{"uuid":"u1"}}]`))
	f.Add(200, []byte(`{"file_uuid":"u1","file_url":"https://h/m/u1/a.txt","parent_file_uuid":"u2"}`))
	f.Add(400, []byte(`{"errors":[{"code":"invalid","field":"uuid","message":"x"}]}`))
	f.Add(413, []byte(`{"errors":[{"code":"file_too_large","field":"file"}]}`))
	f.Add(429, []byte(``))
	f.Add(302, []byte(``))
	f.Add(503, []byte(`<html>`))
	var mu sync.Mutex
	var status int
	var respBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		st, b := status, respBody
		mu.Unlock()
		w.WriteHeader(st)
		_, _ = w.Write(b)
	}))
	f.Cleanup(srv.Close)
	// Messages on: the thumbnail, Send a Message and Get a Thread get the
	// same answer too.
	p, err := New(Config{BaseURL: srv.URL, Token: "fuzz-token", Recipients: []int64{12}})
	if err != nil {
		f.Fatal(err)
	}
	data := []byte("fuzzed answers")
	u := provider.Upload{Name: "a.txt", Size: int64(len(data)), ChunkSize: MinChunkSize}
	f.Fuzz(func(t *testing.T, st int, b []byte) {
		if st < 200 || st > 599 || st == 204 || st == 304 || (st >= 300 && st < 400) {
			st = 500 // redirects without Location and bodiless statuses test nothing new
		}
		mu.Lock()
		status, respBody = st, b
		mu.Unlock()
		ctx := context.Background()
		sess, err := p.Begin(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		c := u.Chunk(0)
		err = sess.PutChunk(ctx, c, bytes.NewReader(data))
		if err == nil {
			var ack api.FileResponse
			if json.Unmarshal(b, &ack) != nil || ack.FileUUID == "" {
				t.Fatalf("acknowledged with %d %q", st, b)
			}
			_, err = sess.Finish(ctx)
		}
		if err != nil {
			var pe *provider.Error
			if !errors.As(err, &pe) {
				t.Fatalf("unclassified error %T: %v", err, err)
			}
			if strings.Contains(err.Error(), "fuzz-token") {
				t.Fatal("token in the error")
			}
		}
	})
}

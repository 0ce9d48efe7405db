package twake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

func response(status int, body []byte) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
}

// FuzzDecodeFile: a server answer either decodes to a file with a usable
// id or is a permanent error (retryable when it looks like a web page: a
// proxy or a maintenance page answered, rest.WebPage); it never panics.
func FuzzDecodeFile(f *testing.F) {
	f.Add([]byte(`{"resource":{"company_id":"c","id":"i","user_id":"u","application_id":null,"metadata":null,"thumbnails":[],"upload_data":null}}`))
	f.Add([]byte(`{"resource":{"id":"i","metadata":{"name":"a","mime":"b"},"upload_data":{"size":5,"chunks":1}}}`))
	f.Add([]byte(`{"resource":{"id":"i","upload_data":{"size":-1,"chunks":1}}}`))
	f.Add([]byte(`{"resource":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := response(200, body)
		want := provider.ErrPermanent
		if rest.WebPage(200, resp.Header, body) != "" {
			want = provider.ErrRetryable
		}
		pf, err := decodeFile("fuzz", resp)
		if err != nil {
			if kindOf(err) != want {
				t.Fatalf("decode error of kind %v, want %v: %v", kindOf(err), want, err)
			}
			return
		}
		if pf.ID == "" || strings.ContainsAny(pf.ID, "/?#") {
			t.Fatalf("accepted id %q", pf.ID)
		}
		if pf.UploadData != nil && (pf.UploadData.Size < 0 || pf.UploadData.Chunks < 0) {
			t.Fatalf("accepted upload_data %+v", pf.UploadData)
		}
	})
}

// FuzzErrorAnswer: any error answer maps to a kind, keeps the token out of
// the message and never panics.
func FuzzErrorAnswer(f *testing.F) {
	f.Add(401, []byte(`{"statusCode":401,"error":"Unauthorized","message":"Bad credentials"}`))
	f.Add(404, []byte(`{"error":"Not found"}`))
	f.Add(500, []byte(`{"message":`))
	tok := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4IiwiZXhwIjoxfQ.c2ln"
	p := &Provider{cfg: Config{Token: tok, Now: time.Now}}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 300 || status > 599 {
			return
		}
		err := p.statusError(request{op: "fuzz", notFound: provider.ErrSessionGone}, response(status, body))
		if kindOf(err) == nil || strings.Contains(err.Error(), tok) {
			t.Fatalf("%d %q: %v", status, body, err)
		}
	})
}

// FuzzDecodeState: a persisted state either decodes into a consistent
// session (bitmap sized for the chunk count, round trip exact) or fails.
func FuzzDecodeState(f *testing.F) {
	good, err := json.Marshal(state{V: 1, Company: "c", FileID: "f", Size: 10, ChunkSize: 4, Chunks: 3, Name: "n", Acked: bitmap{5}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"v":1,"company":"c","file_id":"f","name":"n","chunks":16777217,"acked":""}`))
	f.Add([]byte(`{"v":1,"company":"c","file_id":"f","name":"n","chunks":3,"acked":"/w=="}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		st, err := decodeState(raw)
		if err != nil {
			return
		}
		if len(st.Acked) != (st.Chunks+7)/8 || st.Acked.count() > st.Chunks {
			t.Fatalf("inconsistent state %+v", st)
		}
		_ = st.Acked.missing(st.Chunks, st.Chunks)
		again, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		st2, err := decodeState(again)
		if err != nil || st2.FileID != st.FileID || !bytes.Equal(st2.Acked, st.Acked) {
			t.Fatalf("round trip %+v -> %+v (%v)", st, st2, err)
		}
	})
}

// FuzzName: EncodeName is reversible and never yields a slash.
func FuzzName(f *testing.F) {
	f.Add("a\x00b／c\x00‛")
	f.Add("‛‛／")
	f.Fuzz(func(t *testing.T, joined string) {
		segs := strings.Split(joined, "\x00")
		enc := EncodeName(segs)
		if strings.Contains(enc, "/") != strings.Contains(joined, "/") {
			t.Fatalf("%q encodes to %q", segs, enc)
		}
		if got := DecodeName(enc); strings.Join(got, "\x00") != joined {
			t.Fatalf("%q -> %q -> %q", segs, enc, got)
		}
	})
}

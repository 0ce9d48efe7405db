package quatrix

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix/api"
	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

func response(status int, body []byte) *http.Response {
	return &http.Response{
		StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)),
	}
}

// FuzzStatusError feeds arbitrary error answers to the error decoder: it
// must always produce a provider error of exactly one known kind.
func FuzzStatusError(f *testing.F) {
	f.Add(400, []byte(`{"msg":"Object exists","code":30}`))
	f.Add(404, []byte(`{"msg":"Not found","code":20,"details":{"x":1}}`))
	f.Add(400, []byte(`{"msg":"Expired","code":60}`))
	f.Add(401, []byte(`not json`))
	f.Add(503, []byte(``))
	f.Add(413, []byte(`{"code":"10"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		e := statusError("op", response(status, body))
		k, _ := provider.Classify(e)
		if e.Kind == nil || !errors.Is(e, k) || e.Status != status {
			t.Fatalf("status %d body %q: %+v classified %v", status, body, e, k)
		}
	})
}

// FuzzDecodeAnswers decodes arbitrary bodies as every answer type the
// provider reads, never panicking: a malformed one is a permanent error,
// except one that looks like a web page (a proxy or a maintenance page
// answered in the server's stead, rest.WebPage), which passes and is
// retryable.
func FuzzDecodeAnswers(f *testing.F) {
	f.Add([]byte(`{"id":"a","parent_id":"b","size":3,"modified":1690000000}`))
	f.Add([]byte(`{"parent_id":"p","file_id":"f","name":"n","upload_key":"k"}`))
	f.Add([]byte(`"6f1f3c9e-2b1a-4c8d-9e0f-1a2b3c4d5e6f"`))
	f.Add([]byte(`{"modified":1.5e9,"content":[{"id":"x"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{&api.Finalize{}, &api.UploadLink{}, &api.FileID{}, &api.File{}, &api.Profile{}, &api.SessionLogin{}, &api.Delete{}, new(string)}
		for _, v := range targets {
			resp := response(200, body)
			want := provider.ErrPermanent
			if rest.WebPage(200, resp.Header, body) != "" {
				want = provider.ErrRetryable
			}
			err := rest.DecodeJSON("op", resp, v)
			if err != nil && !errors.Is(err, want) {
				t.Fatalf("decode %T of %q: %v is not %v", v, body, err, want)
			}
		}
	})
}

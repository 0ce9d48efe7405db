package selfcommunity

import (
	"bytes"
	"encoding/json"
	"strings"
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

package selfcommunity

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// testEnv is one running sandbox with this API.
type testEnv struct {
	srv   *sandbox.Server
	api   *API
	alice string // alice's token
	bob   string
}

func start(t testing.TB, o Options, switches map[string]bool) *testEnv {
	t.Helper()
	return startConfig(t, o, sandbox.Config{Switches: switches})
}

// startConfig starts a strict sandbox serving this API with the rest of
// cfg (its APIs and Strict are set here).
func startConfig(t testing.TB, o Options, cfg sandbox.Config) *testEnv {
	t.Helper()
	cfg.Strict = true
	return startAs(t, o, cfg)
}

// startAs starts a sandbox serving this API with cfg as given (Strict
// included: false is the default, real-model mode).
func startAs(t testing.TB, o Options, cfg sandbox.Config) *testEnv {
	t.Helper()
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	cfg.APIs = []sandbox.API{a}
	srv, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &testEnv{srv: srv, api: a, alice: a.Token("alice"), bob: a.Token("bob")}
}

// req is one raw request: fields in order, an optional file part.
type req struct {
	path      string // default /api/v2/pm/upload/
	query     string
	method    string
	token     string
	fields    [][2]string
	fileName  string // file part field name ("" = no file part)
	partName  string // the file part's filename (default "blob")
	fileFirst bool   // the file part before the fields (FormData order of the official thumbnail)
	file      []byte
	header    map[string]string
	body      io.Reader // raw body instead of multipart
	ctype     string
}

type answer struct {
	status int
	body   map[string]any
	list   []map[string]any
	raw    []byte
}

func (e *testEnv) do(t *testing.T, r req) answer {
	t.Helper()
	if r.path == "" {
		r.path = "/api/v2/pm/upload/"
	}
	if r.method == "" {
		r.method = http.MethodPost
	}
	body, ctype := r.body, r.ctype
	if body == nil && r.method == http.MethodPost {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		writeFields := func() {
			for _, f := range r.fields {
				if err := mw.WriteField(f[0], f[1]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if !r.fileFirst {
			writeFields()
		}
		if r.fileName != "" {
			pn := r.partName
			if pn == "" {
				pn = "blob"
			}
			w, err := mw.CreateFormFile(r.fileName, pn)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write(r.file)
		}
		if r.fileFirst {
			writeFields()
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		body, ctype = &buf, mw.FormDataContentType()
	}
	u := e.srv.BaseURL() + r.path
	if r.query != "" {
		u += "?" + r.query
	}
	hr, err := http.NewRequest(r.method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, raw: raw}
	_ = json.Unmarshal(raw, &a.body) // non-JSON bodies are checked through raw
	_ = json.Unmarshal(raw, &a.list) // the list answers (Send a Message)
	return a
}

// wantError checks an error answer's status and that its first error
// names field (when given) in the service's shape.
func (a answer) wantError(t *testing.T, status int, field, code string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	var eb struct {
		Errors []errItem `json:"errors"`
	}
	if err := json.Unmarshal(a.raw, &eb); err != nil || len(eb.Errors) == 0 {
		t.Fatalf("error body %s is not {\"errors\":[...]}", a.raw)
	}
	if eb.Errors[0].Message == "" || eb.Errors[0].Code == "" {
		t.Errorf("error item without code or message: %s", a.raw)
	}
	if field != "" && eb.Errors[0].Field != field {
		t.Fatalf("error field %q, want %q: %s", eb.Errors[0].Field, field, a.raw)
	}
	if code != "" && eb.Errors[0].Code != code {
		t.Fatalf("error code %q, want %q: %s", eb.Errors[0].Code, code, a.raw)
	}
}

func (a answer) str(k string) string {
	s, _ := a.body[k].(string)
	return s
}

func (a answer) ok(t *testing.T) answer {
	t.Helper()
	if a.status != http.StatusOK && a.status != http.StatusCreated {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	return a
}

// chunk sends part idx of total with the plain names.
func (e *testEnv) chunk(t *testing.T, token, uuid string, idx, total int, data []byte, extra ...[2]string) answer {
	t.Helper()
	fields := [][2]string{{"partindex", itoa(idx)}, {"totalparts", itoa(total)}}
	if uuid != "" {
		fields = append(fields, [2]string{"uuid", uuid})
	}
	return e.do(t, req{token: token, fields: append(fields, extra...), fileName: "file", file: data})
}

// uploadParts sends data in parts of n bytes and returns the uuid.
func (e *testEnv) uploadParts(t *testing.T, token string, data []byte, n int) string {
	t.Helper()
	total := (len(data) + n - 1) / n
	uuid := ""
	for i := range total {
		a := e.chunk(t, token, uuid, i, total, data[i*n:min(len(data), (i+1)*n)]).ok(t)
		if uuid == "" {
			uuid = a.str("file_uuid")
		} else if a.str("file_uuid") != uuid {
			t.Fatalf("part %d answered uuid %q, want %q", i, a.str("file_uuid"), uuid)
		}
	}
	return uuid
}

func (e *testEnv) done(t *testing.T, token string, fields ...[2]string) answer {
	t.Helper()
	return e.do(t, req{token: token, query: "done", fields: fields})
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func testData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func urlencoded(kv ...string) (io.Reader, string) {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return strings.NewReader(v.Encode()), "application/x-www-form-urlencoded"
}

// entry returns the tree entry at path, failing if absent.
func (e *testEnv) entry(t *testing.T, path string) sandbox.Entry {
	t.Helper()
	for _, en := range e.srv.Tree(Name) {
		if en.Path == path {
			return en
		}
	}
	t.Fatalf("no %s in the tree: %+v", path, e.srv.Tree(Name))
	return sandbox.Entry{}
}

// tinyPNG is a valid 2x2 PNG, a thumbnail as the official client sends.
func tinyPNG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tinyJPEG is a valid 2x2 JPEG.
func tinyJPEG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

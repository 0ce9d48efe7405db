package quatrix_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The wire shapes below are written from the vendor's swagger
// (maytech/api-client-go@3d3df036 api/swagger.yaml, "SW") and rclone's
// quatrix backend (rclone/rclone@64ab1ac32260 backend/quatrix, "RC"),
// never from this package's api types: TestGoldenShapes holds the golden
// transcripts to them, so a transcript rewritten with -update cannot
// bless a request or an answer the real API does not have.

// kind is the JSON type a field must have.
type kind int

const (
	kString kind = iota
	kUUID        // a UUID (normalised to <idN> in transcripts)
	kBool
	kInt
	kNumber
	kObject
)

// shape lists an object's documented fields; required ones must be there.
// A request may carry no other field; an answer may (SW lists many
// optional ones).
type shape struct {
	fields   map[string]kind
	required []string
}

// wireRoute is one documented exchange.
type wireRoute struct {
	method string
	path   *regexp.Regexp
	src    string
	query  map[string]*regexp.Regexp // every query parameter allowed, with its form
	req    *shape                    // nil: no JSON body
	ok     map[int]*shape            // success status -> answer shape (nil: JSON string id, or no body)
	idBody bool                      // the success answer is a JSON string holding an id
}

var (
	errorModel = &shape{ // SW definitions ErrorModel (swagger.yaml:4467)
		fields: map[string]kind{"msg": kString, "code": kInt, "details": kObject}, required: []string{"msg", "code"},
	}
	fileResp = &shape{ // SW FileResp (swagger.yaml:3485); RC api.File (types.go:73)
		fields: map[string]kind{
			"id": kUUID, "created": kNumber, "modified": kNumber, "name": kString, "parent_id": kUUID,
			"size": kInt, "modified_ms": kNumber, "type": kString, "metadata": kObject, "operations": kInt, "sub_type": kString,
		},
		required: []string{"id", "name", "parent_id", "type", "size", "created", "modified", "modified_ms"},
	}
	uploadLinkResp = &shape{ // SW FileModifyResp (swagger.yaml:5038), the answer of both; RC api.UploadLinkResponse (types.go:162)
		fields:   map[string]kind{"name": kString, "file_id": kUUID, "parent_id": kUUID, "upload_key": kUUID},
		required: []string{"file_id", "parent_id", "upload_key"},
	}
	uuidForm = regexp.MustCompile(`^<id\d+>$`)
)

var wireRoutes = []wireRoute{
	{
		method: "GET", path: regexp.MustCompile(`^/api/1\.0/session/login$`), src: "SW /session/login (swagger.yaml:69), SessionLoginResp (:3410)",
		ok: map[int]*shape{200: {fields: map[string]kind{"session_id": kUUID}, required: []string{"session_id"}}},
	},
	{
		method: "GET", path: regexp.MustCompile(`^/api/1\.0/session/(keepalive|logout)$`), src: "SW /session/keepalive (:131), /session/logout (:146)",
		ok: map[int]*shape{200: nil},
	},
	{
		method: "GET", path: regexp.MustCompile(`^/api/1\.0/profile$`), src: "SW /profile (:1397), ProfileResp (:5215)",
		ok: map[int]*shape{200: {fields: map[string]kind{"id": kUUID, "home_id": kUUID, "email": kString, "name": kString, "account_id": kUUID, "max_file_size": kInt, "quota": kInt, "is_contact": kBool}, required: []string{"home_id"}}},
	},
	{
		method: "POST", path: regexp.MustCompile(`^/api/1\.0/file/id$`), src: "RC FileInfoParams/FileInfo (types.go:32-45), quatrix.go:253-283 (404 = not found)",
		req: &shape{fields: map[string]kind{"parent_id": kUUID, "path": kString}, required: []string{"path"}},
		ok:  map[int]*shape{200: {fields: map[string]kind{"file_id": kUUID, "parent_id": kUUID, "src": kString, "type": kString}, required: []string{"file_id", "type"}}},
	},
	{
		method: "POST", path: regexp.MustCompile(`^/api/1\.0/file/makedir$`), src: "SW /file/makedir (:721, 201 FileResp), MakeDirReq (:4813); RC CreateDirParams (types.go:66)",
		req: &shape{fields: map[string]kind{"target": kUUID, "name": kString, "resolve": kBool}, required: []string{"name"}},
		ok:  map[int]*shape{201: fileResp},
	},
	{
		method: "POST", path: regexp.MustCompile(`^/api/1\.0/upload/link$`), src: "SW /upload/link (:1914), UploadLinkReq (:5850); RC UploadLinkParams (types.go:155)",
		req: &shape{fields: map[string]kind{"name": kString, "parent_id": kUUID, "resolve": kBool, "file_size": kInt}, required: []string{"name", "parent_id"}},
		ok:  map[int]*shape{200: uploadLinkResp},
	},
	{
		method: "POST", path: regexp.MustCompile(`^/api/1\.0/file/modify$`), src: "SW /file/modify (:1004), FileModifyReq; RC FileModifyParams (types.go:178)",
		req: &shape{fields: map[string]kind{"id": kUUID, "truncate": kInt, "name": kString}, required: []string{"id"}},
		ok:  map[int]*shape{200: uploadLinkResp},
	},
	{
		method: "POST", path: regexp.MustCompile(`^/upload/chunked/<id\d+>$`), src: "RC quatrix.go:1221-1240 (raw body, Content-Range bytes S-(S+len-1)/T, answer a JSON string)",
		ok: map[int]*shape{200: nil}, idBody: true,
	},
	{
		method: "GET", path: regexp.MustCompile(`^/api/1\.0/upload/finalize/<id\d+>$`), src: "SW /upload/finalize/{id} (:1940), UploadFinalizeResp (:5874); RC quatrix.go:1244-1262 (mtime %.6f)",
		query: map[string]*regexp.Regexp{"mtime": regexp.MustCompile(`^\d+\.\d{6}$`)},
		ok:    map[int]*shape{200: {fields: map[string]kind{"id": kUUID, "parent_id": kUUID, "size": kInt, "modified": kInt}, required: []string{"id", "size"}}},
	},
	{
		method: "POST", path: regexp.MustCompile(`^/api/1\.0/file/delete$`), src: "SW /file/delete (:659), IdsReq (:3426); RC DeleteParams (types.go:26)",
		req: &shape{fields: map[string]kind{"ids": kObject, "delete_permanently": kBool}, required: []string{"ids"}},
		ok:  map[int]*shape{200: {fields: map[string]kind{"ids": kObject}, required: []string{"ids"}}},
	},
}

// exchange is one request of a transcript with what came back.
type exchange struct {
	line             string
	method, uri      string
	status           int
	header           map[string]string
	reqBody, resBody string
}

func parseTranscript(t *testing.T, path string) []exchange {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := regexp.MustCompile(`^(GET|POST|PUT|DELETE) (\S+) -> (\d{3})$`)
	var out []exchange
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if m := head.FindStringSubmatch(l); m != nil {
			st, _ := strconv.Atoi(m[3])
			out = append(out, exchange{line: l, method: m[1], uri: m[2], status: st, header: map[string]string{}})
			continue
		}
		if len(out) == 0 || !strings.HasPrefix(l, "  ") {
			t.Fatalf("%s: unexpected line %q", path, l)
		}
		x := &out[len(out)-1]
		l = strings.TrimPrefix(l, "  ")
		switch {
		case strings.HasPrefix(l, "<- "):
			x.resBody = strings.TrimPrefix(l, "<- ")
		case strings.HasPrefix(l, "{"):
			x.reqBody = l
		default:
			k, v, ok := strings.Cut(l, ": ")
			if !ok {
				t.Fatalf("%s: bad header line %q", path, l)
			}
			x.header[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkShape validates body against s; closed refuses undocumented fields.
func checkShape(body string, s *shape, closed bool) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	for _, r := range s.required {
		if _, ok := m[r]; !ok {
			return fmt.Errorf("required field %q missing", r)
		}
	}
	for k, raw := range m {
		want, ok := s.fields[k]
		if !ok {
			if closed {
				return fmt.Errorf("undocumented field %q", k)
			}
			continue
		}
		if err := checkKind(raw, want); err != nil {
			return fmt.Errorf("field %q: %v", k, err)
		}
	}
	return nil
}

func checkKind(raw json.RawMessage, want kind) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch want {
	case kString:
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s is not a string", raw)
		}
	case kUUID:
		if s, ok := v.(string); !ok || !uuidForm.MatchString(s) {
			return fmt.Errorf("%s is not a UUID", raw)
		}
	case kBool:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s is not a boolean", raw)
		}
	case kInt:
		if n, ok := v.(json.Number); !ok || strings.ContainsAny(n.String(), ".eE") {
			return fmt.Errorf("%s is not an integer", raw)
		}
	case kNumber:
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("%s is not a number", raw)
		}
	case kObject:
		switch v.(type) {
		case map[string]any, []any:
		default:
			return fmt.Errorf("%s is not an object or array", raw)
		}
	}
	return nil
}

var rangeForm = regexp.MustCompile(`^bytes (\d+)-(\d+)/(\d+)$`)

// checkExchange holds one exchange to its documented route.
func checkExchange(x exchange) error {
	path, rawQuery, _ := strings.Cut(x.uri, "?")
	var r *wireRoute
	for i := range wireRoutes {
		if wireRoutes[i].method == x.method && wireRoutes[i].path.MatchString(path) {
			r = &wireRoutes[i]
		}
	}
	if r == nil {
		return fmt.Errorf("no documented route")
	}
	for _, kv := range strings.Split(rawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if form, ok := r.query[k]; !ok || !form.MatchString(v) {
			return fmt.Errorf("query %q is not documented in that form (%s)", kv, r.src)
		}
	}
	if (r.req != nil) != (x.reqBody != "") {
		return fmt.Errorf("request body %q where %s documents %v", x.reqBody, r.src, r.req != nil)
	}
	if r.req != nil {
		if ct := x.header["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
			return fmt.Errorf("JSON body sent as %q", ct)
		}
		if err := checkShape(x.reqBody, r.req, true); err != nil {
			return fmt.Errorf("request: %v (%s)", err, r.src)
		}
	}
	if cr, ok := x.header["Content-Range"]; ok {
		m := rangeForm.FindStringSubmatch(cr)
		n, _ := strconv.ParseInt(x.header["Content-Length"], 10, 64)
		if m == nil {
			return fmt.Errorf("Content-Range %q", cr)
		}
		s, _ := strconv.ParseInt(m[1], 10, 64)
		e, _ := strconv.ParseInt(m[2], 10, 64)
		total, _ := strconv.ParseInt(m[3], 10, 64)
		if e != s+n-1 || e >= total {
			return fmt.Errorf("Content-Range %q with %d bytes (%s)", cr, n, r.src)
		}
	}
	want, ok := r.ok[x.status]
	switch {
	case ok && r.idBody:
		var id string
		if err := json.Unmarshal([]byte(x.resBody), &id); err != nil || !uuidForm.MatchString(id) {
			return fmt.Errorf("answer %q is not a JSON string id (%s)", x.resBody, r.src)
		}
	case ok && want != nil:
		if err := checkShape(x.resBody, want, false); err != nil {
			return fmt.Errorf("answer: %v (%s)", err, r.src)
		}
	case ok:
		if x.resBody != "" {
			return fmt.Errorf("answer body %q where %s documents none", x.resBody, r.src)
		}
	case x.status >= 400:
		if err := checkShape(x.resBody, errorModel, false); err != nil {
			return fmt.Errorf("error answer: %v (SW ErrorModel)", err)
		}
	default:
		return fmt.Errorf("status %d is not documented (%s)", x.status, r.src)
	}
	return nil
}

// TestGoldenShapes holds every exchange of the golden transcripts to the
// documented routes and shapes above.
func TestGoldenShapes(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "transcript_*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden transcripts: %v", err)
	}
	for _, f := range files {
		xs := parseTranscript(t, f)
		if len(xs) < 10 {
			t.Errorf("%s: only %d exchanges", f, len(xs))
		}
		for i, x := range xs {
			if err := checkExchange(x); err != nil {
				t.Errorf("%s exchange %d (%s): %v", f, i+1, x.line, err)
			}
		}
	}
}

// TestGoldenShapesCatchMistakes: the checker refuses the mistakes it is
// there for (so TestGoldenShapes cannot pass vacuously).
func TestGoldenShapesCatchMistakes(t *testing.T) {
	bad := []exchange{
		{
			method: "POST", uri: "/api/1.0/upload/link", status: 200, header: map[string]string{"Content-Type": "application/json"},
			reqBody: `{"name":"a","parentId":"<id1>"}`, resBody: `{"file_id":"<id2>","parent_id":"<id1>","upload_key":"<id3>"}`,
		},
		{
			method: "POST", uri: "/api/1.0/upload/link", status: 200, header: map[string]string{"Content-Type": "application/json"},
			reqBody: `{"name":"a","parent_id":"<id1>","file_size":"12"}`, resBody: `{"file_id":"<id2>","parent_id":"<id1>","upload_key":"<id3>"}`,
		},
		{method: "POST", uri: "/api/1.0/upload/chunked/<id3>", status: 200},
		{method: "POST", uri: "/upload/chunked/<id3>", status: 200, header: map[string]string{"Content-Range": "bytes 0-1000/2500", "Content-Length": "1000"}, resBody: `"<id2>"`},
		{method: "POST", uri: "/upload/chunked/<id3>", status: 200, header: map[string]string{"Content-Range": "bytes 0-999/2500", "Content-Length": "1000"}, resBody: `{"id":"<id2>"}`},
		{method: "GET", uri: "/api/1.0/upload/finalize/<id3>?mtime=1749283750", status: 200, resBody: `{"id":"<id2>","size":1}`},
		{method: "GET", uri: "/api/1.0/upload/finalize/<id3>?mtime=1749283750.123456", status: 200, resBody: `{"id":"<id2>","size":"1"}`},
		{
			method: "POST", uri: "/api/1.0/file/makedir", status: 201, header: map[string]string{"Content-Type": "application/json"},
			reqBody: `{"name":"d"}`, resBody: `{"id":"<id2>","name":"d","parent_id":"<id1>","type":"D","size":0,"created":null,"modified":1,"modified_ms":1.5}`,
		},
		{
			method: "POST", uri: "/api/1.0/file/id", status: 404, header: map[string]string{"Content-Type": "application/json"},
			reqBody: `{"path":"x"}`, resBody: `{"message":"not found"}`,
		},
	}
	for i, x := range bad {
		if err := checkExchange(x); err == nil {
			t.Errorf("mistake %d (%s %s) passed the check", i, x.method, x.uri)
		}
	}
}

package twake

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

var update = flag.Bool("update", false, "rewrite the golden request transcripts in testdata")

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// transcript renders the API requests of a log with ids replaced by
// stable placeholders in order of appearance: the wire form a reviewer
// checks against shared/protocols/twake.md (no trailing slash, parameters
// in the query string, no body or JSON type on init, multipart chunks).
func transcript(log []sandbox.LogEntry) string {
	ids := map[string]string{}
	var b strings.Builder
	for _, e := range log {
		if e.API != "twake" {
			continue
		}
		p := uuidRE.ReplaceAllStringFunc(e.Path, func(id string) string {
			if _, ok := ids[id]; !ok {
				ids[id] = fmt.Sprintf("{id%d}", len(ids)+1)
			}
			return ids[id]
		})
		ct, _, _ := mime.ParseMediaType(e.Header["Content-Type"])
		if ct == "" {
			ct = "-"
		}
		auth := "no-auth"
		if e.Header["Authorization"] != "" {
			auth = "auth"
		}
		fmt.Fprintf(&b, "%s %s ct=%s %s -> %d\n", e.Method, p, ct, auth, e.Status)
	}
	return b.String()
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs (run with -update after checking):\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// recordJSON is a proxy in front of the sandbox that keeps the JSON
// request bodies, in order, with their ids replaced like the transcript's
// (ids maps them; shared with transcript so both use one numbering).
func recordJSON(t *testing.T, ts *testServer) (string, *[]string) {
	t.Helper()
	target, err := url.Parse(ts.srv.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			bodies = append(bodies, r.Method+" "+r.URL.Path+" "+string(b))
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &bodies
}

// The query names the real files controller reads (linagora/Twake@
// 39f533e5e838 twake/backend/node/src/services/files/web/controllers/
// files.ts:24-31), written here from the real code, not from the client,
// plus resumableChunkSize, which resumable.js sends and the server ignores.
var realQueryNames = map[string]bool{
	"resumableTotalChunks": true, "total_chunks": true, "resumableTotalSize": true, "total_size": true,
	"resumableChunkNumber": true, "chunk_number": true, "resumableFilename": true, "filename": true,
	"resumableType": true, "type": true, "thumbnail_sync": true, "resumableChunkSize": true,
}

// checkRealShapes checks a transcript and the JSON bodies against the
// real servers' rules (docs/protocols/twake.md), so a golden file can
// only hold requests the real server reads as meant.
func checkRealShapes(t *testing.T, transcript string, bodies []string) {
	t.Helper()
	for _, p := range realShapeProblems(transcript, bodies) {
		t.Error(p)
	}
}

// realShapeProblems lists what checkRealShapes reports.
func realShapeProblems(transcript string, bodies []string) []string {
	var out []string
	errorf := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	line := regexp.MustCompile(`^(GET|POST|DELETE) (/internal/services/(files|documents)/v1/companies/\{id1\}/(files|item)(/[^?]*)?)(\?\S*)? ct=(\S+) (auth|no-auth) -> (\d+)$`)
	deleted := map[string]int{} // id -> status of its last DELETE
	chunked := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(transcript), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			errorf("not a real route: %s", l)
			continue
		}
		method, svc, rest, rawQuery, ct, status := m[1], m[3], m[5], strings.TrimPrefix(m[6], "?"), m[7], m[9]
		if strings.HasSuffix(m[2], "/") {
			errorf("trailing slash (another route on the real server): %s", l)
		}
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			errorf("bad query: %s", l)
		}
		for k := range q {
			if !realQueryNames[k] {
				errorf("query parameter %q is not read by the real server: %s", k, l)
			}
		}
		id := strings.TrimPrefix(rest, "/")
		switch {
		case svc == "files" && method == "POST" && rest == "":
			if ct != "-" || q.Has("chunk_number") {
				errorf("init must have no body and no chunk number: %s", l)
			}
		case svc == "files" && method == "POST":
			n, _ := strconv.Atoi(q.Get("chunk_number"))
			total, _ := strconv.Atoi(q.Get("total_chunks"))
			if ct != "multipart/form-data" || n < 1 || n > total || q.Get("total_size") == "" || q.Get("filename") == "" {
				errorf("chunk without the full 1-based plan in the query: %s", l)
			}
			chunked[id] = true
		case svc == "files" && method == "DELETE":
			// TW-FILES-DEL-2: never chunked: 500 after removal, then 404.
			want := "200"
			if !chunked[id] {
				want = map[bool]string{false: "500", true: "404"}[deleted[id] == 500]
			}
			if status != want {
				errorf("DELETE answered %s, the real server answers %s: %s", status, want, l)
			}
			deleted[id], _ = strconv.Atoi(status)
		case svc == "documents" && method == "POST":
			if ct != "application/json" {
				errorf("Drive create must be JSON: %s", l)
			}
		}
		if !strings.HasPrefix(status, "2") && !(method == "DELETE" && !chunked[id]) {
			errorf("failed request in a clean run: %s", l)
		}
	}
	for _, b := range bodies {
		_, js, _ := strings.Cut(strings.SplitN(b, " ", 2)[1], " ")
		var req struct {
			Item    map[string]any `json:"item"`
			Version map[string]any `json:"version"`
		}
		// createDocumentSchema: item and version required objects.
		if err := json.Unmarshal([]byte(js), &req); err != nil || req.Item == nil || req.Version == nil {
			errorf("Drive create body without item and version objects: %s", b)
			continue
		}
		if _, ok := req.Item["parent_id"].(string); !ok {
			errorf("Drive create without item.parent_id: %s", b)
		}
		if dir, _ := req.Item["is_directory"].(bool); !dir {
			fm, _ := req.Version["file_metadata"].(map[string]any)
			if ext, _ := fm["external_id"].(string); ext == "" {
				errorf("file item without version.file_metadata.external_id: %s", b)
			}
		}
		if _, has := req.Item["in_trash"]; has {
			errorf("in_trash is not a Drive column (is_in_trash is): %s", b)
		}
	}
	return out
}

func TestGoldenTranscripts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		drive bool
	}{{"flat.golden", false}, {"drive.golden", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startSandbox(t, func(c *sandbox.Config) { c.Strict = false })
			base, bodies := recordJSON(t, ts)
			p := ts.provider(t, func(c *Config) { c.DriveFolders, c.BaseURL = tc.drive, base })
			if err := p.Check(ctx(t)); err != nil {
				t.Fatal(err)
			}
			f := newTestFile("report 1.pdf", 2*MinChunkSize-1, "docs", "q&a")
			if err := f.upload(t, p); err != nil {
				t.Fatal(err)
			}
			got := transcript(ts.srv.Log())
			checkRealShapes(t, got, *bodies)
			checkGolden(t, tc.name, got)
		})
	}
}

// The checker is not a rubber stamp: requests the real server would not
// read as meant fail it.
func TestCheckRealShapesRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ line, body string }{
		"unknown query":    {"POST /internal/services/files/v1/companies/{id1}/files/{id2}?chunk=1&chunk_number=1&total_chunks=1&total_size=1&filename=a ct=multipart/form-data auth -> 200", ""},
		"0-based chunk":    {"POST /internal/services/files/v1/companies/{id1}/files/{id2}?chunk_number=0&total_chunks=1&total_size=1&filename=a ct=multipart/form-data auth -> 200", ""},
		"trailing slash":   {"POST /internal/services/files/v1/companies/{id1}/files/ ct=- auth -> 200", ""},
		"JSON init":        {"POST /internal/services/files/v1/companies/{id1}/files ct=application/json auth -> 200", ""},
		"delete 200 early": {"POST /internal/services/files/v1/companies/{id1}/files ct=- auth -> 200\nDELETE /internal/services/files/v1/companies/{id1}/files/{id2} ct=- auth -> 200", ""},
		"no version":       {"GET /internal/services/documents/v1/companies/{id1}/item/root ct=- auth -> 200", `POST /x {"item":{"parent_id":"root","name":"a","is_directory":true}}`},
		"in_trash":         {"GET /internal/services/documents/v1/companies/{id1}/item/root ct=- auth -> 200", `POST /x {"item":{"parent_id":"root","name":"a","is_directory":true,"in_trash":false},"version":{}}`},
	} {
		var bodies []string
		if tc.body != "" {
			bodies = []string{tc.body}
		}
		if len(realShapeProblems(tc.line, bodies)) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}

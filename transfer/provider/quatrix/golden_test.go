package quatrix_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix"
)

var update = flag.Bool("update", false, "rewrite the golden request transcripts in testdata")

// recorder is a reverse proxy in front of the sandbox that writes down
// every request the client makes, with secrets and ids normalised.
type recorder struct {
	mu    sync.Mutex
	lines []string
	ids   map[string]string
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// norm replaces every UUID by a stable name in order of appearance.
func (r *recorder) norm(s string) string {
	return uuidRE.ReplaceAllStringFunc(s, func(id string) string {
		if id == apiKey {
			return "<api-key>"
		}
		n, ok := r.ids[id]
		if !ok {
			n = fmt.Sprintf("<id%d>", len(r.ids)+1)
			r.ids[id] = n
		}
		return n
	})
}

func startRecorder(t *testing.T, e *env) (*recorder, string) {
	t.Helper()
	target, err := url.Parse(e.srv.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{ids: map[string]string{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Error(err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		cw := &statusWriter{ResponseWriter: w}
		rp.ServeHTTP(cw, req)
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s -> %d\n", req.Method, req.URL.RequestURI(), cw.status)
		for _, h := range []string{"Authorization", "X-Auth-Token", "Content-Type", "Content-Range", "Content-Length"} {
			v := req.Header.Get(h)
			if v == "" {
				continue
			}
			switch {
			case h == "Authorization" && strings.HasPrefix(v, "Basic "):
				v = "Basic <email:password>"
			case h == "X-Auth-Token":
				v = "<session>"
			}
			fmt.Fprintf(&b, "  %s: %s\n", h, v)
		}
		if strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
			fmt.Fprintf(&b, "  %s\n", body)
		}
		// The answer's JSON body, when it has one, for TestGoldenShapes.
		if strings.HasPrefix(cw.Header().Get("Content-Type"), "application/json") && cw.body.Len() > 0 {
			fmt.Fprintf(&b, "  <- %s\n", bytes.TrimSpace(cw.body.Bytes()))
		}
		rec.mu.Lock()
		rec.lines = append(rec.lines, rec.norm(b.String()))
		rec.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

type statusWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer // the answer's body as relayed
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// TestGoldenTranscripts records the requests of the worked example
// (protocols/quatrix.md §10, scaled down) plus an overwrite, in both auth
// modes, and compares them with testdata/*.golden (-update rewrites them).
// What the golden files hold is itself checked against the documented wire
// shapes by TestGoldenShapes, so a rewrite cannot bless a wrong request.
func TestGoldenTranscripts(t *testing.T) {
	for _, mode := range []string{"apikey", "session"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, envOpts{})
			rec, base := startRecorder(t, e)
			p := e.provider(t, mode, func(c *quatrix.Config) { c.BaseURL = base })
			ctx := ctxT(t)
			data := bytes.Repeat([]byte("0123456789"), 250)
			u := plan([]string{"Projects"}, "video.mp4", data, 1000, provider.ConflictRename)
			if _, err := upload(ctx, p, u, data); err != nil {
				t.Fatal(err)
			}
			u.Conflict = provider.ConflictOverwrite
			if _, err := upload(ctx, p, u, data); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(rec.lines, "")
			golden := filepath.Join("testdata", "transcript_"+mode+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("transcript differs from %s (run with -update after checking):\n%s", golden, got)
			}
		})
	}
}

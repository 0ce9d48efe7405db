package filesro

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden request transcripts in testdata")

// TestGoldenTranscript records the requests of a protected-share upload in
// two chunks (authenticate, chunk 0, chunk 1) with the random parts (key,
// multipart boundary) and the password normalised, and compares them with
// testdata/transcript.txt. Run with -update after an intended change.
func TestGoldenTranscript(t *testing.T) {
	var mu sync.Mutex
	var out strings.Builder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&out, "%s %s\n", r.Method, r.URL.RequestURI())
		var names []string
		for k := range r.Header {
			if k != "User-Agent" && k != "Accept-Encoding" {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(&out, "%s: %s\n", k, strings.Join(r.Header[k], ", "))
		}
		fmt.Fprintf(&out, "\n%s\n\n", body)
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/sharing/authenticate/"):
			// VisitorUnlockLockedShareController: ShareResource + cookie.
			http.SetCookie(w, &http.Cookie{Name: "share_session", Value: "COOKIE", Path: "/", HttpOnly: true, MaxAge: 43200 * 60})
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"data":{"id":"t","type":"shared","attributes":{"permission":"editor","protected":true}}}`)
		case bytes.Contains(body, []byte("name=\"is_last_chunk\"\r\n\r\n1")):
			w.WriteHeader(201)
			_, _ = io.WriteString(w, `{"data":{"id":"9c1e","type":"file","attributes":{"filesize":"10B","name":"notes v2.txt","basename":"9c1e.txt","mimetype":"txt","file_url":"https://files.example/file/9c1e.txt","thumbnail":null,"parent_id":"0f8fad5b-d9cb-469f-a165-70867728950e","created_at":"06. Dec. 2026, 09:15","updated_at":"06. Dec. 2026, 09:15","deleted_at":null},"relationships":[]}}`)
		default:
			w.WriteHeader(200)
		}
	}))
	defer srv.Close()
	p, err := New(Config{BaseURL: srv.URL, Token: "ShareTokenABCDEF", Password: "share-pass-7", ParentID: "0f8fad5b-d9cb-469f-a165-70867728950e", HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("0123456789")
	if _, err := upload(ctx(t), p, plan([]string{"Work", "2026"}, "notes v2.txt", data, 6), data); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	got = regexp.MustCompile(`[0-9a-f]{30,}`).ReplaceAllString(got, "BOUNDARY")
	got = regexp.MustCompile(`filename="[a-z0-9]{16}-`).ReplaceAllString(got, `filename="KEY16-`)
	got = strings.ReplaceAll(got, srv.URL, "BASE")
	got = strings.ReplaceAll(got, "share-pass-7", "PASSWORD") // test output never shows a secret
	got = strings.ReplaceAll(got, "\r\n", "\n")

	golden := filepath.Join("testdata", "transcript.txt")
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
		t.Fatalf("transcript differs from %s (run with -update if intended):\n%s", golden, got)
	}
}

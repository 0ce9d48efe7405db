package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// TestCurlPhase runs one real curl process against a loopback server: each
// request arrives as configured (method, headers, a JSON body with quotes
// and backslashes, a form with a file, a raw body from a file, no
// "Expect: 100-continue"), and each answer comes back in the order of the
// requests.
func TestCurlPhase(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl on this machine")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got string
		switch {
		case strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data"):
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			f, h, err := r.FormFile("file")
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			b, _ := io.ReadAll(f)
			got = fmt.Sprintf("field=%s file=%s:%s", r.FormValue("field"), h.Filename, b)
		default:
			b, _ := io.ReadAll(r.Body)
			got = string(b)
			if len(b) > 1000 {
				got = fmt.Sprintf("<%d bytes>", len(b))
			}
		}
		fmt.Fprintf(w, "%s %s %s|%s|%s|%s", r.Method, r.URL.RequestURI(), r.Header.Get("X-Test"),
			r.Header.Get("Content-Type"), r.Header.Get("Expect"), got)
	}))
	defer srv.Close()
	dir := t.TempDir()
	body := filepath.Join(dir, "body.bin")
	if err := os.WriteFile(body, []byte("raw bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(big, make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &runner{t: t, work: dir}
	reqs := []curlReq{
		{url: srv.URL + "/a?x=1", headers: []string{"X-Test: one"}},
		{url: srv.URL + "/json", json: `{"name":"a \"b\" \\ c"}`},
		{url: srv.URL + "/form", form: []string{"field=v", "file=@" + body + ";filename=blob"}},
		{method: "PUT", url: srv.URL + "/raw", file: body, headers: []string{"Content-Type: application/octet-stream"}},
		{method: "POST", url: srv.URL + "/empty"},
		{url: srv.URL + "/big", file: big},
	}
	ans, u, err := r.curlPhase("test", reqs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /a?x=1 one|||",
		`POST /json |application/json||{"name":"a \"b\" \\ c"}`,
		"POST /form |||field=v file=blob:raw bytes",
		"PUT /raw |application/octet-stream||raw bytes",
		"POST /empty |||",
		"POST /big |application/x-www-form-urlencoded||<2097152 bytes>",
	}
	for i, w := range want {
		got := string(ans[i])
		if i == 2 { // the multipart Content-Type carries a random boundary
			if before, after, ok := strings.Cut(got, "|multipart/form-data; boundary="); ok {
				_, rest, _ := strings.Cut(after, "|")
				got = before + "||" + rest
			}
		}
		if got != w {
			t.Errorf("request %d: the server saw %q, want %q", i, got, w)
		}
	}
	if u.Wall <= 0 {
		t.Errorf("no wall time measured: %+v", u)
	}
	// An HTTP error fails the phase, whichever request gets it (options
	// before curl's "next" apply to one request only).
	bad := curlReq{url: srv.URL + "/x", form: []string{"nofile=1"}}
	for _, phase := range [][]curlReq{{bad}, {reqs[0], reqs[1], bad}} {
		if _, _, err := r.curlPhase("test", phase); err == nil {
			t.Errorf("a 400 answer to request %d of %d did not fail the phase", len(phase)-1, len(phase))
		}
	}
}

// TestCheckStored: the check passes only when every file sent is in the
// sandbox's store, complete and of its size, matched by path suffix, path
// segment (a uuid folder) or id.
func TestCheckStored(t *testing.T) {
	tree := []sandbox.Entry{
		{Path: "/editor/run/d000", Kind: sandbox.KindFolder},
		{Path: "/editor/run/d000/f1.bin", Kind: sandbox.KindFile, Size: 10},
		{Path: "/pm/u-2/f2.bin", Kind: sandbox.KindFile, Size: 20},
		{Path: "/files/x", ID: "id-3", Kind: sandbox.KindFile, Size: 30},
		{Path: "/editor/run/d000/f4.bin", Kind: sandbox.KindPartial, Size: 40},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(tree)
	}))
	defer srv.Close()
	sb := &sandboxProc{base: srv.URL}
	for _, tc := range []struct {
		name  string
		check storedCheck
		ok    bool
	}{
		{"all there", storedCheck{"/run/d000/f1.bin": 10, "u-2": 20, "id-3": 30}, true},
		{"one missing", storedCheck{"/run/d000/f1.bin": 10, "/run/d000/f9.bin": 10}, false},
		{"wrong size", storedCheck{"/run/d000/f1.bin": 11}, false},
		{"only partial", storedCheck{"/run/d000/f4.bin": 40}, false},
	} {
		err := sb.checkStored("any", tc.check)
		if (err == nil) != tc.ok {
			t.Errorf("%s: checkStored = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

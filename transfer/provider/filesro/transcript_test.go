package filesro

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// TestTranscriptAcceptedBySandbox checks the golden transcript against the
// sandbox's own rules and wire shapes instead of the client's output: each
// recorded request is replayed, as recorded, against a strict real-model
// sandbox whose protected share has the transcript's token and password,
// and must be answered as the real server answers it (200 + cookie, 200
// with an empty body, 201 with a file resource), storing the bytes sent.
func TestTranscriptAcceptedBySandbox(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "transcript.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tb := newTestbed(t, sbfilesro.Options{Shares: []sbfilesro.Share{
		{Name: "golden", Token: "ShareTokenABCDEF", Permission: sbfilesro.PermEditor, Password: "PASSWORD"},
	}}, sandbox.Config{Strict: true})
	_, folder, _ := tb.api.ShareByName("golden")
	client := &http.Client{Transport: tb.srv.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	starts := regexp.MustCompile(`(?m)^POST /`).FindAllStringIndex(string(raw), -1)
	if len(starts) != 3 {
		t.Fatalf("%d requests in the transcript, want 3 (authenticate, two chunks)", len(starts))
	}
	want := []int{200, 200, 201}
	cookie := ""
	for i, st := range starts {
		end := len(raw)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		block := string(raw[st[0]:end])
		head, body, ok := strings.Cut(block, "\n\n")
		if !ok || !strings.HasSuffix(body, "\n\n") {
			t.Fatalf("request %d is not in the recorded form", i)
		}
		body = strings.TrimSuffix(body, "\n\n")
		lines := strings.Split(head, "\n")
		method, uri, _ := strings.Cut(lines[0], " ")
		hdr := http.Header{}
		for _, l := range lines[1:] {
			k, v, _ := strings.Cut(l, ": ")
			hdr.Set(k, v)
		}
		if strings.HasPrefix(hdr.Get("Content-Type"), "multipart/") {
			body = strings.ReplaceAll(body, "\n", "\r\n")
			body = strings.ReplaceAll(body, "0f8fad5b-d9cb-469f-a165-70867728950e", folder)
		}
		req, err := http.NewRequest(method, tb.srv.BaseURL()+uri, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			if k != "Content-Length" && k != "Cookie" {
				req.Header[k] = v
			}
		}
		if hdr.Get("Cookie") != "" {
			req.AddCookie(&http.Cookie{Name: "share_session", Value: cookie})
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want[i] {
			t.Fatalf("request %d (%s %s): %d %s, want %d", i, method, uri, resp.StatusCode, got, want[i])
		}
		switch i {
		case 0:
			for _, c := range resp.Cookies() {
				if c.Name == "share_session" {
					cookie = c.Value
				}
			}
			if cookie == "" {
				t.Fatal("authenticate set no share_session cookie")
			}
		case 1:
			if len(got) != 0 {
				t.Fatalf("non-last chunk answered %q, want an empty body", got)
			}
		case 2:
			var fr struct {
				Data struct {
					Attributes struct {
						Name, Filesize string
					}
				}
			}
			if err := json.Unmarshal(got, &fr); err != nil || fr.Data.Attributes.Name != "notes v2.txt" || fr.Data.Attributes.Filesize != "10B" {
				t.Fatalf("file resource %s (%v)", got, err)
			}
		}
	}
	if e, ok := tb.stored("/golden/Work/2026/notes v2.txt"); !ok || e.SHA256 != hexSHA([]byte("0123456789")) {
		t.Fatalf("stored %+v", e)
	}
}

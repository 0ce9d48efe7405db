package twake

import (
	"flag"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

func TestGoldenTranscripts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		drive bool
	}{{"flat.golden", false}, {"drive.golden", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startSandbox(t, nil)
			p := ts.provider(t, func(c *Config) { c.DriveFolders = tc.drive })
			if err := p.Check(ctx(t)); err != nil {
				t.Fatal(err)
			}
			f := newTestFile("report 1.pdf", 2*MinChunkSize-1, "docs", "q&a")
			if err := f.upload(t, p); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name, transcript(ts.srv.Log()))
		})
	}
}

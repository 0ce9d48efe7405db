package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
)

// `ferry upload --print-links` prints "path<TAB>link" for each uploaded
// file whose service gave a link: files.ro's file_url, here.
func TestUploadPrintLinksFilesro(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	tg := filesroTarget(t, s, f)
	dir := filepath.Join(t.TempDir(), "tree")
	for _, rel := range []string{"a.txt", "sub/b.txt"} {
		if _, err := writeFile(filepath.Join(dir, filepath.FromSlash(rel)), 1, 100); err != nil {
			t.Fatal(err)
		}
	}
	r := f.MustRun(uploadTimeout, "", "upload", "--target", tg.name, "--to", "e2e", "--progress", "none", "--print-links", dir)
	links := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		if p, link, ok := strings.Cut(line, "\t"); ok {
			links[p] = link
		}
	}
	for _, rel := range []string{"tree/a.txt", "tree/sub/b.txt"} {
		link := links[rel]
		if !strings.HasPrefix(link, s.Base) || !strings.Contains(link, "/") {
			t.Errorf("link of %s = %q; stdout:\n%s", rel, link, r.Stdout)
			continue
		}
		resp, err := s.Client().Get(link)
		if err != nil {
			t.Errorf("GET %s: %v", link, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %s", link, resp.Status)
		}
	}
	// Without the flag, no link lines.
	if err := os.WriteFile(filepath.Join(dir, "c.txt"), []byte("c"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = f.MustRun(uploadTimeout, "", uploadArgs(tg.name, dir)...)
	if strings.Contains(r.Stdout, "\t") {
		t.Errorf("links printed without --print-links:\n%s", r.Stdout)
	}
}

// A Quatrix target with public links on (off by default) gives each
// uploaded file a public share address that downloads without
// credentials; --print-links prints it.
func TestUploadPrintLinksQuatrixPublic(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--tls", "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	addTarget(t, f, "quatrix", "quatrix", s.Base, []string{s.MustCredential("quatrix", "api-key", "user@example.com")},
		"--tls-pin", s.Pin, "--public-links", "--link-expiry-days", "7")
	dir := filepath.Join(t.TempDir(), "tree")
	if _, err := writeFile(filepath.Join(dir, "a.txt"), 3, 5000); err != nil {
		t.Fatal(err)
	}
	r := f.MustRun(uploadTimeout, "", "upload", "--target", "quatrix", "--to", "e2e", "--progress", "none", "--print-links", dir)
	_, link, ok := strings.Cut(strings.Split(r.Stdout, "\n")[0], "\t")
	if !ok || !strings.HasPrefix(link, s.Base+"/api/1.0/share/download/") {
		t.Fatalf("no public link printed:\n%s", r.Stdout)
	}
	resp, err := s.Client().Get(link) // the client pins the certificate; it sends no credentials
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != 5000 {
		t.Errorf("GET %s: %s, %d bytes", link, resp.Status, resp.ContentLength)
	}
}

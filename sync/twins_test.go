//go:build linux

package sync

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNameTwinsRefused: "café.txt" composed (NFC) and decomposed (NFD) in
// one folder are two files on Linux but one NFC path. Neither may be
// handed on as an upload (one would silently replace the other remotely):
// both found by the startup scan and by events are handed on Refused with
// a reason naming the clash and what to do. A twin folder pair is not
// scanned at all. Once one twin is renamed, the other is handed on
// normally.
func TestNameTwinsRefused(t *testing.T) {
	root := t.TempDir()
	nfcName, nfdName := "café.txt", "cafe\u0301.txt"
	writeFile(t, filepath.Join(root, nfcName), 10)
	writeFile(t, filepath.Join(root, nfdName), 20)
	writeFile(t, filepath.Join(root, "plain.txt"), 5)
	writeFile(t, filepath.Join(root, "résumé", "a.txt"), 5)
	writeFile(t, filepath.Join(root, "re\u0301sume\u0301", "a.txt"), 6)
	past := time.Now().Add(-time.Minute)
	for _, n := range []string{nfcName, nfdName, "plain.txt"} {
		if err := os.Chtimes(filepath.Join(root, n), past, past); err != nil {
			t.Fatal(err)
		}
	}
	s := startWatcher(t, fastFolder(root), nil, nil)
	waitScans(t, s.w, 1)
	waitUntil(t, 5*time.Second, "startup candidates", func() bool { return len(s.col.snapshot()) >= 2 })

	check := func(phase string, wantRefused int) {
		t.Helper()
		refused := 0
		for _, c := range s.col.snapshot() {
			switch c.RelPath {
			case "café.txt":
				if c.Refused == "" {
					t.Fatalf("%s: café.txt handed on for upload although it has a twin: %+v", phase, c)
				}
				if !strings.Contains(c.Refused, "café.txt") || !strings.Contains(c.Refused, "Rename") {
					t.Errorf("%s: reason does not name the file and the remedy: %q", phase, c.Refused)
				}
				refused++
			case "plain.txt":
				if c.Refused != "" {
					t.Errorf("%s: plain.txt refused: %q", phase, c.Refused)
				}
			default:
				if strings.HasPrefix(c.RelPath, "résumé/") {
					t.Errorf("%s: a file below twin folders was handed on: %+v", phase, c)
				}
			}
		}
		if refused < wantRefused {
			t.Errorf("%s: %d refused candidates for café.txt, want at least %d", phase, refused, wantRefused)
		}
	}
	check("scan", 1)
	if st := s.w.Status(); st.Skipped < 1 {
		t.Errorf("twin folders not counted as skipped: %+v", st)
	}

	// An event on one twin: still refused, by the event path.
	before := len(s.col.snapshot())
	if err := os.WriteFile(filepath.Join(root, nfdName), []byte("changed content"), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond)
	check("event", 1)
	_ = before

	// Rename the NFD twin away: the NFC one (unchanged) is now handed on.
	if err := os.Rename(filepath.Join(root, nfdName), filepath.Join(root, "cafe-2.txt")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "café.txt handed on after its twin was renamed", func() bool {
		for _, c := range s.col.snapshot() {
			if c.RelPath == "café.txt" && c.Refused == "" && c.Path == filepath.Join(root, nfcName) {
				return true
			}
		}
		return false
	})
}

func TestTwinGroups(t *testing.T) {
	if g := twinGroups([]string{"a", "b", "café"}); g != nil {
		t.Errorf("no twins, got %v", g)
	}
	g := twinGroups([]string{"café", "cafe\u0301", "x", "cafe\u0301 2"})
	if len(g) != 1 || len(g["café"]) != 2 {
		t.Errorf("got %v", g)
	}
}

// TestOpErrNamesPathOnce: "scan X: open X: ..." becomes "scan: open X: ...".
func TestOpErrNamesPathOnce(t *testing.T) {
	p := filepath.Join(t.TempDir(), "gone")
	_, err := os.Open(p)
	if got := opErr("scan", p, err).Error(); strings.Count(got, p) != 1 {
		t.Errorf("%q", got)
	}
	if got := opErr("scan", p, os.ErrPermission).Error(); strings.Count(got, p) != 1 {
		t.Errorf("%q", got)
	}
}

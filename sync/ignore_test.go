package sync

import (
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

func TestIgnoreMatch(t *testing.T) {
	m := NewIgnore([]string{"# comment", "", "build/", "*.log", "!keep.log", "/top.txt", "docs/**/*.pdf", "!keep.tmp", "trailing \r"})
	for _, tc := range []struct {
		path  string
		isDir bool
		want  bool
	}{
		{"a.part", false, true},
		{"dl/x.crdownload", false, true},
		{"~$doc.docx", false, true},
		{".~lock.a.ods#", false, true},
		{"x.tmp", false, true},
		{"keep.tmp", false, false}, // folder pattern re-includes over the defaults
		{"notes.txt~", false, true},
		{".DS_Store", false, true},
		{"sub/thumbs.db", false, true},
		{"Desktop.ini", false, true},
		{"build", true, true},
		{"build", false, false}, // dir-only pattern
		{"src/build", true, true},
		{"app.log", false, true},
		{"keep.log", false, false},
		{"top.txt", false, true},
		{"sub/top.txt", false, false}, // anchored
		{"docs/a/b/x.pdf", false, true},
		{"docs/x.txt", false, false},
		{"trailing", false, true},
		{"photo.jpg", false, false},
		{"part", false, false},
	} {
		if got := m.Match(strings.Split(tc.path, "/"), tc.isDir); got != tc.want {
			t.Errorf("Match(%q, dir=%v) = %v, want %v", tc.path, tc.isDir, got, tc.want)
		}
	}
	if m.Match(nil, false) {
		t.Error("empty path matched")
	}
}

// Every built-in default pattern is implemented by the fast string test:
// the gitignore reading of DefaultIgnore and defaultIgnored agree.
func TestDefaultIgnoreMatchesGlobs(t *testing.T) {
	var ps []gitignore.Pattern
	for _, p := range DefaultIgnore {
		ps = append(ps, gitignore.ParsePattern(p, nil))
	}
	globs := gitignore.NewMatcher(ps)
	for _, name := range []string{
		"a.part", "a.part.txt", ".part", "x.crdownload", "~$x", "~x", ".~lock.f#", ".~lockx", "f.tmp", "f.TMP",
		"f~", "~", ".DS_Store", ".ds_store", "Thumbs.db", "desktop.ini", "normal.txt", "", "tmp",
	} {
		segs := []string{name}
		want := globs.Match(segs, false)
		none := NewIgnore(nil).Match(segs, false)
		// Case-insensitive Windows names are a deliberate superset of the globs.
		if name == "thumbs.db" || name == "Desktop.ini" {
			continue
		}
		if want != none {
			t.Errorf("%q: gitignore says %v, fast test says %v", name, want, none)
		}
	}
}

// Patterns come from a settings field: any text must parse and match
// without panicking, and matching must be deterministic.
func FuzzIgnore(f *testing.F) {
	for _, s := range []string{"build/", "*.log", "!keep", "/a/**/b", "[", "\\", "**", "a/", "!"} {
		f.Add(s, "a/b/c.log", false)
	}
	f.Fuzz(func(t *testing.T, pattern, path string, isDir bool) {
		lines := strings.Split(pattern, "\n")
		segs := strings.Split(path, "/")
		a, b := NewIgnore(lines), NewIgnore(lines)
		if a.Match(segs, isDir) != b.Match(segs, isDir) {
			t.Fatal("non-deterministic match")
		}
	})
}

func TestRelOf(t *testing.T) {
	for _, tc := range []struct {
		abs, want string
		ok        bool
	}{
		{"/r/a/b.txt", "a/b.txt", true},
		{"/r", "", false},
		{"/r/", "", false},
		{"/rx/a", "", false},
		{"/other/a", "", false},
		{"/r/Re\u0301sume\u0301.txt", "R\u00e9sum\u00e9.txt", true},
	} {
		got, ok := relOf("/r", tc.abs)
		if got != tc.want || ok != tc.ok {
			t.Errorf("relOf(%q) = %q, %v; want %q, %v", tc.abs, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFolderDefaultsAndValidation(t *testing.T) {
	f, err := Folder{ID: "x", Root: "/data/photos/"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if f.Root != "/data/photos" || f.Quiet != DefaultQuiet || f.MaxDelay != DefaultMaxDelay ||
		f.Rescan != DefaultRescan || f.DegradedRescan != DefaultDegradedRescan {
		t.Fatalf("defaults not applied: %+v", f)
	}
	for _, bad := range []Folder{
		{Root: "/x"},
		{ID: "x", Root: "relative"},
		{ID: "x", Root: "/"},
		{ID: "x", Root: "/x", Quiet: time.Minute, MaxDelay: time.Second},
		{ID: "x", Root: "/x", Rescan: -time.Second},
	} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := New(Folder{ID: "x", Root: "/x"}, Options{}); err == nil {
		t.Error("New accepted a nil Emit")
	}
}

func TestHumanDurationAndJitter(t *testing.T) {
	for d, want := range map[time.Duration]string{
		60 * time.Second: "60 s", 1500 * time.Millisecond: "1.5 s", 250 * time.Millisecond: "250 ms",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%s) = %q, want %q", d, got, want)
		}
	}
	lo, hi := time.Hour, time.Duration(0)
	for range 1000 {
		j := jitter(time.Hour)
		lo, hi = min(lo, j), max(hi, j)
	}
	if lo < 45*time.Minute || hi > 75*time.Minute || hi-lo < 20*time.Minute {
		t.Fatalf("jitter range [%s, %s], want spread within [45m, 75m]", lo, hi)
	}
}

package sync

import (
	"regexp"
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
func FuzzIgnoreAnyText(f *testing.F) {
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

// FuzzIgnore checks Ignore.Match against an independent reading of the
// gitignore rules (ignoreOracle, written from git's documentation), over
// patterns and paths built from a small alphabet where those rules are
// unambiguous: names of a and b, "*", "?", "**", "/", "!" and the
// built-in ".tmp" suffix. Each fuzz byte picks one token.
func FuzzIgnore(f *testing.F) {
	for _, s := range [][3]string{
		{"a/", "a/b", ""},
		{"*", "b", ""},
		{"!b", "b", "d"},
		{"/a", "b/a", ""},
		{"a/**/b", "a/a/b", ""},
		{"**/b", "a/b", "d"},
		{"a/**", "a/b/b", ""},
		{"?", "ab", ""},
		{"a*\n!ab", "ab", ""},
		{"b/a", "b/a", "d"},
	} {
		f.Add(encodeTokens(s[0], patternTokens), encodeTokens(s[1], pathTokens), s[2] == "d")
	}
	f.Fuzz(func(t *testing.T, pat, pth []byte, isDir bool) {
		lines := strings.Split(decodeTokens(pat, patternTokens), "\n")
		segs := strings.Split(decodeTokens(pth, pathTokens), "/")
		for _, s := range segs {
			if s == "" {
				return // not a path the scanner produces
			}
		}
		var valid []string
		for _, l := range lines {
			body := strings.Trim(strings.TrimPrefix(l, "!"), "/")
			if body == "" || strings.Contains(l, "//") {
				continue // no pattern (git ignores these lines too, or they are ambiguous)
			}
			if strings.HasPrefix(l, "!") && strings.HasSuffix(strings.TrimSuffix(l, "/"), "/**") {
				continue // a known difference, see plainStars
			}
			valid = append(valid, l)
		}
		// Match's contract: no parent of the path is ignored.
		for i := 1; i < len(segs); i++ {
			if ignoreOracle(valid, segs[:i], true) {
				return
			}
		}
		want := ignoreOracle(valid, segs, isDir)
		if got := NewIgnore(valid).Match(segs, isDir); got != want {
			t.Fatalf("patterns %q, path %q (dir %v): Match says %v, the gitignore rules say %v", valid, strings.Join(segs, "/"), isDir, got, want)
		}
	})
}

var (
	patternTokens = []string{"a", "b", "*", "?", "**", "/", "!", "\n", ".tmp"}
	pathTokens    = []string{"a", "b", "/", ".tmp"}
)

func decodeTokens(b []byte, tokens []string) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteString(tokens[int(c)%len(tokens)])
	}
	return sb.String()
}

// encodeTokens is decodeTokens' inverse for the seeds (longest token first).
func encodeTokens(s string, tokens []string) []byte {
	var out []byte
	for s != "" {
		best := -1
		for i, tk := range tokens {
			if strings.HasPrefix(s, tk) && (best < 0 || len(tk) > len(tokens[best])) {
				best = i
			}
		}
		if best < 0 {
			panic("seed uses a character outside the alphabet: " + s)
		}
		out = append(out, byte(best))
		s = s[len(tokens[best]):]
	}
	return out
}

// ignoreOracle decides a path by git's documented rules: the last pattern
// that matches wins ("!" re-includes); a trailing "/" matches directories
// only; a pattern with a "/" elsewhere is matched against the whole path
// from the root, one without against the last name only; "*" and "?" do
// not cross "/"; "**/" leading, "/**" trailing and "/**/" inside match any
// number of folders. Without a matching pattern the built-in defaults
// decide by the last name.
func ignoreOracle(patterns []string, segs []string, isDir bool) bool {
	full := strings.Join(segs, "/")
	for i := len(patterns) - 1; i >= 0; i-- {
		p := patterns[i]
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		dirOnly := strings.HasSuffix(p, "/")
		p = strings.TrimSuffix(p, "/")
		if dirOnly && !isDir {
			continue
		}
		var re string
		if strings.Contains(p, "/") {
			re = "^" + anchoredRE(strings.TrimPrefix(p, "/")) + "$"
		} else {
			re = "^" + globRE(p) + "$"
		}
		subject := full
		if !strings.Contains(p, "/") {
			subject = segs[len(segs)-1]
		}
		if regexp.MustCompile(re).MatchString(subject) {
			return !neg
		}
	}
	return defaultIgnored(segs[len(segs)-1])
}

func globRE(g string) string {
	var sb strings.Builder
	for _, r := range g {
		switch r {
		case '*':
			sb.WriteString("[^/]*")
		case '?':
			sb.WriteString("[^/]")
		default:
			sb.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return sb.String()
}

func anchoredRE(p string) string {
	parts := strings.Split(p, "/")
	var sb strings.Builder
	for i, part := range parts {
		last := i == len(parts)-1
		switch {
		case part == "**" && len(parts) == 1:
			return ".+" // "/**": everything below the root
		case part == "**" && i == 0 && !last:
			sb.WriteString("(?:.*/)?")
			continue
		case part == "**" && last && i > 0:
			sb.WriteString(".+")
			continue
		case part == "**" && !last:
			sb.WriteString("(?:.*/)?")
			continue
		}
		sb.WriteString(globRE(part))
		if !last {
			sb.WriteString("/")
		}
	}
	return sb.String()
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

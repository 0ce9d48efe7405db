package autostart

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// unescapeString undoes the string-value escapes of the Desktop Entry
// Specification (\s \n \t \r \\), leaving other backslashes as they are.
func unescapeString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// splitExec splits an Exec value into arguments the way a launcher does:
// string unescaping first, then the quoting rules, then %% to %.
func splitExec(t *testing.T, value string) []string {
	t.Helper()
	s := unescapeString(value)
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s) && strings.IndexByte("\"`$\\", s[i+1]) >= 0:
			i++
			cur.WriteByte(s[i])
		case quoted && c == '"':
			quoted = false
		case quoted:
			cur.WriteByte(c)
		case c == '"':
			quoted, inArg = true, true
		case c == ' ':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if quoted {
		t.Fatalf("Exec value %q: unterminated quote", value)
	}
	if inArg {
		args = append(args, cur.String())
	}
	// %% is a literal percent, inside quotes or not.
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "%%", "%")
	}
	return args
}

// execValue returns the Exec value of a rendered entry.
func execValue(t *testing.T, entry []byte) string {
	t.Helper()
	for line := range strings.Lines(string(entry)) {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "Exec="); ok {
			return v
		}
	}
	t.Fatalf("no Exec line in\n%s", entry)
	return ""
}

func TestDesktopExecArgRoundTrip(t *testing.T) {
	for _, exe := range []string{
		"/usr/local/bin/ferry",
		"/home/ana/My Apps/ferry",
		`/opt/we"ird/$HOME/back\slash/ferry`,
		"/opt/100%/ferry",
		"/opt/a;b&c|d<e>f~g*h?i#j(k)l`m'n/ferry",
		"/opt/dé jà/ferry",
	} {
		entry, err := desktopEntry(exe)
		if err != nil {
			t.Fatalf("desktopEntry(%q): %v", exe, err)
		}
		got := splitExec(t, execValue(t, entry))
		want := []string{exe, BackgroundFlag}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("Exec for %q splits into %q, want %q", exe, got, want)
		}
	}
}

func TestDesktopExecArgRefusesControlCharacters(t *testing.T) {
	for _, exe := range []string{"", "/opt/a\nb/ferry", "/opt/tab\there", "/opt/del\x7f"} {
		if _, err := desktopEntry(exe); err == nil {
			t.Errorf("desktopEntry(%q) succeeded, want an error", exe)
		}
	}
}

func FuzzDesktopExecArg(f *testing.F) {
	for _, s := range []string{"/usr/bin/ferry", "/a b/c", `/x"$\` + "`", "/%f%%", "/é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, exe string) {
		q, err := desktopExecArg(exe)
		if err != nil {
			return
		}
		if !utf8.ValidString(exe) {
			return // desktop files are UTF-8; the launcher would reject the file
		}
		got := splitExec(t, q)
		if len(got) != 1 || got[0] != exe {
			t.Fatalf("%q quoted as %q splits into %q", exe, q, got)
		}
	})
}

func TestEntryActive(t *testing.T) {
	for _, tc := range []struct {
		name, entry string
		want        bool
	}{
		{"rendered", "[Desktop Entry]\nExec=ferry\nX-GNOME-Autostart-enabled=true\n", true},
		{"hidden", "[Desktop Entry]\nHidden=true\n", false},
		{"hidden with spaces", "[Desktop Entry]\nHidden = true\n", false},
		{"hidden false", "[Desktop Entry]\nHidden=false\n", true},
		{"gnome off", "# switched off in Tweaks\n[Desktop Entry]\nX-GNOME-Autostart-enabled=false\n", false},
		{"other group", "[Desktop Entry]\nExec=ferry\n[Desktop Action x]\nHidden=true\n", true},
		{"our masking entry", string(hiddenEntry()), false},
	} {
		if got := entryActive([]byte(tc.entry)); got != tc.want {
			t.Errorf("%s: entryActive = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The packaged entry is the rendered one for "ferry" on PATH: a change to
// one without the other fails here.
func TestPackagedAutostartEntryMatches(t *testing.T) {
	want, err := desktopEntry("ferry")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "packaging", "linux", "autostart.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("packaging/linux/autostart.desktop differs from the rendered entry:\n got:\n%s\nwant:\n%s", got, want)
	}
}

// desktop-file-validate (Debian desktop-file-utils) is the reference
// checker; `make package-check` installs it, so in CI this always runs.
func TestRenderedEntryValidates(t *testing.T) {
	validator, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Skip("desktop-file-validate not installed (Debian desktop-file-utils); TestDesktopExecArgRoundTrip still checks the quoting")
	}
	dir := t.TempDir()
	for i, exe := range []string{"/usr/local/bin/ferry", `/home/ana/My "Apps"/$x\ferry`, "/opt/100%/ferry"} {
		entry, err := desktopEntry(exe)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "e"+string(rune('0'+i))+".desktop")
		if err := os.WriteFile(path, entry, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(validator, path).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("desktop-file-validate on the entry for %q: %v\n%s\n%s", exe, err, out, entry)
		}
	}
}

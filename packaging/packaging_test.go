// Package packaging_test checks packaging templates that cannot be
// exercised here (the macOS bundle is built on a Mac only).
package packaging_test

import (
	"encoding/xml"
	"io"
	"os"
	"strings"
	"testing"
)

// plistDict reads the top-level <dict> of an XML property list into
// key -> value ("true"/"false" for booleans, the text otherwise).
func plistDict(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	d.Strict = false // the DOCTYPE
	out := map[string]string{}
	var key, elem string
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			depth++
			elem = v.Name.Local
			if depth == 3 && (elem == "true" || elem == "false") {
				out[key] = elem
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			s := strings.TrimSpace(string(v))
			if depth == 3 && s != "" {
				if elem == "key" {
					key = s
				} else {
					out[key] = s
				}
			}
		}
	}
}

// TestDarwinInfoPlist: the bundle is a tray app (LSUIElement), its
// executable is the one the login item starts, and its ID and version
// come from FyneApp.toml through the placeholders darwin.mk fills.
func TestDarwinInfoPlist(t *testing.T) {
	p := plistDict(t, "darwin/Info.plist.in")
	for k, want := range map[string]string{
		"LSUIElement":                "true",
		"CFBundleExecutable":         "ferry",
		"CFBundleIdentifier":         "io.github.ferry_sync.ferry",
		"CFBundlePackageType":        "APPL",
		"CFBundleShortVersionString": "@VERSION@",
		"CFBundleVersion":            "@BUILD@",
		"CFBundleIconFile":           "ferry.icns",
		"NSHighResolutionCapable":    "true",
	} {
		if p[k] != want {
			t.Errorf("Info.plist %s = %q, want %q", k, p[k], want)
		}
	}
	agent := plistDict(t, "darwin/io.github.ferry_sync.ferry.plist")
	if agent["Label"] != p["CFBundleIdentifier"] {
		t.Errorf("LaunchAgent label %q, bundle ID %q", agent["Label"], p["CFBundleIdentifier"])
	}
	raw, err := os.ReadFile("darwin/io.github.ferry_sync.ferry.plist")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "/Applications/Ferry.app/Contents/MacOS/"+p["CFBundleExecutable"]+"<") {
		t.Error("the LaunchAgent does not start the bundle's executable")
	}
}

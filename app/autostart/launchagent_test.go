package autostart

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"
)

// plistDict is enough of the plist schema to read the agent back.
type plistDict struct {
	Keys    []string `xml:"dict>key"`
	Strings []string `xml:"dict>string"`
	Args    []string `xml:"dict>array>string"`
}

func TestLaunchAgentEscapesAndParses(t *testing.T) {
	exe := "/Users/ana/Apps & <Tools>/Ferry.app/Contents/MacOS/ferry"
	data, err := launchAgent(exe)
	if err != nil {
		t.Fatal(err)
	}
	var p plistDict
	if err := xml.Unmarshal(data, &p); err != nil {
		t.Fatalf("agent is not well-formed XML: %v\n%s", err, data)
	}
	if len(p.Args) != 2 || p.Args[0] != exe || p.Args[1] != BackgroundFlag {
		t.Errorf("ProgramArguments %q, want [%q %q]", p.Args, exe, BackgroundFlag)
	}
	if len(p.Strings) == 0 || p.Strings[0] != AppID {
		t.Errorf("Label strings %q, want %q first", p.Strings, AppID)
	}
	if _, err := launchAgent(""); err == nil {
		t.Error("launchAgent(\"\") succeeded")
	}
}

// The packaged LaunchAgent is the rendered one for the app in
// /Applications: a change to one without the other fails here.
func TestPackagedLaunchAgentMatches(t *testing.T) {
	want, err := launchAgent("/Applications/Ferry.app/Contents/MacOS/ferry")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "packaging", "darwin", AppID+".plist"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("packaged LaunchAgent differs from the rendered one:\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestRunCommand(t *testing.T) {
	for _, tc := range []struct{ exe, want string }{
		{`C:\Program Files\Ferry\ferry.exe`, `"C:\Program Files\Ferry\ferry.exe" --background`},
		{`C:\Users\ana\AppData\Local\Ferry\ferry.exe`, `"C:\Users\ana\AppData\Local\Ferry\ferry.exe" --background`},
	} {
		got, err := runCommand(tc.exe)
		if err != nil || got != tc.want {
			t.Errorf("runCommand(%q) = %q, %v; want %q", tc.exe, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", `C:\a"b\ferry.exe`, "C:\\a\nb.exe"} {
		if got, err := runCommand(bad); err == nil {
			t.Errorf("runCommand(%q) = %q, want an error", bad, got)
		}
	}
}

package ui

import (
	"net/url"
	"testing"
)

func TestFileURL(t *testing.T) {
	for _, tc := range []struct{ goos, path, want string }{
		{"linux", "/home/ana/Up loads", "file:///home/ana/Up%20loads"},
		{"darwin", "/Users/ana/x/", "file:///Users/ana/x"},
		{"windows", `C:\Users\ana\Uploads`, "file:///C:/Users/ana/Uploads"},
		{"windows", `C:\`, "file:///C:/"},
		{"windows", `d:\Mes documents\été`, "file:///d:/Mes%20documents/%C3%A9t%C3%A9"},
		{"windows", `\\nas\share\x`, "file://nas/share/x"},
	} {
		got := fileURL(tc.goos, tc.path)
		if got != tc.want {
			t.Errorf("%s %q: %s, want %s", tc.goos, tc.path, got, tc.want)
		}
		// What openLink hands the OS parses back to the same path.
		if u, err := url.Parse(got); err != nil || u.Scheme != "file" {
			t.Errorf("%s does not parse as a file URL: %v", got, err)
		}
	}
}

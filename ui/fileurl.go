package ui

import (
	"net/url"
	"path/filepath"
	"strings"
)

// fileURL is the file URL of the local path p on the platform goos:
// file:///home/ana/x on Unix; file:///C:/Users/ana/x for a Windows drive
// path, which needs the empty authority and a slash before the drive
// letter (RFC 8089, appendix E.2; "file://C:/..." names a host "C:"); and
// file://server/share/x for a Windows UNC path. Characters that need it
// are percent-encoded.
func fileURL(goos, p string) string {
	if goos != "windows" {
		return (&url.URL{Scheme: "file", Path: filepath.Clean(p)}).String()
	}
	p = strings.ReplaceAll(p, `\`, "/")
	if rest, ok := strings.CutPrefix(p, "//"); ok { // \\server\share\x
		host, path, _ := strings.Cut(rest, "/")
		return (&url.URL{Scheme: "file", Host: host, Path: "/" + path}).String()
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

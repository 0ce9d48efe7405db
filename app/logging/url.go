package logging

import (
	"net/url"
	"strings"
)

// tokenSegments are path segments followed by a capability token: files.ro
// shares (/api/v1/shares/{token}/uploads, /api/sharing/upload/chunks/{token}),
// Quatrix upload keys (/upload/chunked/{key}, /upload/finalize/{key}).
var tokenSegments = map[string]bool{
	"shares": true, "chunks": true, "chunked": true, "finalize": true, "authenticate": true, "share": true,
}

// RedactURL returns raw with credentials masked: user info, the path segment
// after a segment that introduces a token (see tokenSegments; for
// "/upload/{token}" only when it is the share form "/sharing/upload/{token}"),
// and the values of query parameters whose names look secret (token, key,
// signature, ...). A string that does not parse as a URL is returned with
// every query value masked, to be safe.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexByte(raw, '?'); i >= 0 {
			return raw[:i] + "?" + Mask
		}
		return raw
	}
	if u.User != nil {
		u.User = url.User(Mask)
	}
	if u.Path != "" {
		segs := strings.Split(u.Path, "/")
		for i := 1; i < len(segs); i++ {
			prev := segs[i-1]
			sharingUpload := prev == "upload" && i >= 2 && segs[i-2] == "sharing"
			if (tokenSegments[prev] || sharingUpload) && segs[i] != "" && segs[i] != "chunks" {
				segs[i] = Mask
			}
		}
		u.Path = strings.Join(segs, "/")
		u.RawPath = ""
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if isSecretParam(k) {
				q[k] = []string{Mask}
				changed = true
			}
		}
		// Re-encode only when needed: Encode rewrites "?done" as "?done=".
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	out := u.String()
	// url.String escapes the brackets of the mask; keep it readable.
	return strings.ReplaceAll(out, url.PathEscape(Mask), Mask)
}

func isSecretParam(name string) bool {
	n := strings.ToLower(name)
	if IsSecretKey(n) {
		return true
	}
	for _, w := range []string{"key", "sig", "signature", "code", "access_token", "upload_key"} {
		if n == w || strings.HasSuffix(n, "_"+w) {
			return true
		}
	}
	return false
}

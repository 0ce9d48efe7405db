// Package api holds the wire types and field names of the files.ro share
// upload (VueFileManager's visitor upload), as described in
// shared/protocols/filesro.md sections 2.2-2.8. Types and pure decoding
// helpers only.
package api

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Route templates below the base URL; %s is the share token.
//
// UploadPath is files.ro's documented chunk upload. files.ro documents no
// share-password route: VFMAuthenticatePath is VueFileManager's
// (routes/share.php "/authenticate/{shared}" under the api/sharing
// prefix), which files.ro's server is built on; AuthenticatePath is the
// same route in files.ro's /api/v1/shares style, a guess no source shows,
// tried only when the VFM route is missing (404 without a model message).
const (
	UploadPath          = "/api/v1/shares/%s/uploads"
	AuthenticatePath    = "/api/v1/shares/%s/authenticate"
	VFMUploadChunksPath = "/api/sharing/upload/chunks/%s"
	VFMAuthenticatePath = "/api/sharing/authenticate/%s"
)

// UnknownShareMessage starts the message of Laravel's 404 for a share
// token no share has (route model binding), as opposed to a 404 for a
// route the server does not have.
const UnknownShareMessage = "No query results for model"

// Multipart field names of a chunk request (2.2).
const (
	FieldName        = "name"
	FieldChunk       = "chunk"
	FieldExtension   = "extension"
	FieldIsLastChunk = "is_last_chunk"
	FieldPath        = "path"
	FieldParentID    = "parent_id"
	FieldPassword    = "password"
)

// SessionCookie is the cookie that unlocks a password-protected share.
const SessionCookie = "share_session"

// FileResponse is the 201 body of the last chunk (2.8). Relationships is
// kept raw: Laravel sends an object, or [] when no relation is loaded.
type FileResponse struct {
	Data FileData `json:"data"`
}

// FileData is the file resource.
type FileData struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"` // image, video, audio or file
	Attributes    FileAttributes  `json:"attributes"`
	Relationships json.RawMessage `json:"relationships"`
}

// FileAttributes are the file's attributes. Filesize is ByteUnits' string
// ("1.20MB", "18B"; files.ro's document shows "1.2 MB"); RawMessage
// accepts a number too. CreatedAt is a display string ("06. Dec. 2026,
// 09:15"), never parsed.
type FileAttributes struct {
	Filesize  json.RawMessage `json:"filesize"`
	Name      string          `json:"name"`
	Basename  string          `json:"basename"`
	Mimetype  string          `json:"mimetype"` // the extension, not a MIME type
	FileURL   string          `json:"file_url"`
	ParentID  *string         `json:"parent_id"`
	CreatedAt string          `json:"created_at"`
}

// ErrorBody is every JSON error shape the service answers with: Laravel's
// {"message", "errors"} and VueFileManager's {"type":"error","message"}.
type ErrorBody struct {
	Type    string              `json:"type"`
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

// SizeRange decodes a filesize attribute into the range of byte counts it
// can stand for, given the rounding of the displayed decimals and either
// decimal (kB, MB) or binary (KiB, MiB; or 1024-based "MB") units. ok is
// false when the value is not understood.
func SizeRange(raw json.RawMessage) (lo, hi float64, ok bool) {
	if t := strings.TrimSpace(string(raw)); t == "" || t == "null" {
		return 0, 0, false
	}
	var n float64
	if json.Unmarshal(raw, &n) == nil {
		return n, n, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0, 0, false
	}
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != ',' })
	if i <= 0 {
		return 0, 0, false
	}
	num := strings.ReplaceAll(s[:i], ",", ".")
	unit := strings.ToLower(strings.TrimSpace(s[i:]))
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, 0, false
	}
	decimals := 0
	if d := strings.IndexByte(num, '.'); d >= 0 {
		decimals = len(num) - d - 1
	}
	half := 0.5 * math.Pow10(-decimals)
	exp := map[string]int{"b": 0, "bytes": 0, "kb": 1, "mb": 2, "gb": 3, "tb": 4, "pb": 5, "kib": 1, "mib": 2, "gib": 3, "tib": 4}
	e, known := exp[unit]
	if !known {
		return 0, 0, false
	}
	dec, bin := math.Pow(1000, float64(e)), math.Pow(1024, float64(e))
	if strings.HasSuffix(unit, "ib") {
		dec = bin
	}
	// The bounds are exact in decimal but not in binary floating point
	// ((16.23-0.005)*1000 is 16225.000000000002): widen them by a relative
	// hair so a size shown at the rounding boundary is not refused.
	const slack = 1e-9
	lo = (v - half) * min(dec, bin) * (1 - slack)
	hi = (v + half) * max(dec, bin) * (1 + slack)
	return max(lo, 0), hi, true
}

package filesro

import (
	"encoding/hex"
	"strings"
)

// fileIndex finds a stored file by the basename of its file_url
// ("<uuid>.<extension>", the row's UUID) for downloads. It keeps each
// file as two 16-byte UUIDs (the basename's and the node's) rather than
// two strings: every file ever stored keeps its entry (issue 20). The
// extension is checked against the node's Meta "basename" by download,
// so only the exact basename finds the file, as the string key did.
type fileIndex map[uuid16]uuid16

// uuid16 is a UUID's 16 bytes.
type uuid16 [16]byte

// parseUUID reads the lower-case 8-4-4-4-12 spelling sandbox.NewID gives;
// anything else is not a UUID of this sandbox.
func parseUUID(s string) (uuid16, bool) {
	var u uuid16
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' || strings.ToLower(s) != s {
		return u, false
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return uuid16{}, false
	}
	return u, true
}

// String spells u as sandbox.NewID does.
func (u uuid16) String() string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// basenameUUID is the UUID part of a file_url basename ("<uuid>.<ext>").
func basenameUUID(basename string) (uuid16, bool) {
	i := strings.IndexByte(basename, '.')
	if i < 0 {
		return parseUUID(basename)
	}
	return parseUUID(basename[:i])
}

// add files the stored node id under basename (both made by the sandbox,
// so both parse).
func (x fileIndex) add(basename, id string) bool {
	b, ok1 := basenameUUID(basename)
	n, ok2 := parseUUID(id)
	if ok1 && ok2 {
		x[b] = n
	}
	return ok1 && ok2
}

// find returns the node id filed under basename's UUID ("" if none); the
// caller checks the whole basename against the node's.
func (x fileIndex) find(basename string) (string, bool) {
	b, ok := basenameUUID(basename)
	if !ok {
		return "", false
	}
	n, ok := x[b]
	if !ok {
		return "", false
	}
	return n.String(), true
}

package filesro

import (
	"crypto/rand"
	"strings"
	"unicode/utf8"
)

// maxKeyBytes keeps the chunk key (a file name in the server's
// storage/app/chunks/) well under the 255-byte file name limit of common
// file systems, whatever the length of the uploaded file's name.
const maxKeyBytes = 200

// NewKey returns a fresh chunk key for one upload attempt in the official
// client's form: 16 random [a-z0-9], "-", the name with spaces (and path
// separators, which the server would strip) as dashes, ".part". A key is
// never reused: the server appends to whatever file the key names.
func NewKey(name string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	clean := strings.NewReplacer(" ", "-", "/", "-", `\`, "-").Replace(name)
	room := maxKeyBytes - len(b) - len("-") - len(".part")
	for len(clean) > room {
		_, size := utf8.DecodeLastRuneInString(clean)
		clean = clean[:len(clean)-size]
	}
	return string(b[:]) + "-" + clean + ".part"
}

// Extension is what the service's extension field gets: the text after
// the last dot, or the whole name when there is none (or nothing after
// it), as the official client sends it (name.split('.').pop()).
func Extension(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 && i < len(name)-1 {
		return name[i+1:]
	}
	return name
}

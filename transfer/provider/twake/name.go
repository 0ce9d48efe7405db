package twake

import "strings"

// Flat-name encoding. Without Drive folders the files service has no
// folders, so with Config.PathInName the remote path "a/b/c.txt" becomes
// the single name "a／b／c.txt": segments joined by U+FF0F FULLWIDTH SOLIDUS,
// which looks like a slash but is an ordinary name character. A fullwidth
// solidus already inside a segment is written as U+201B ‛ followed by it,
// and a literal ‛ as ‛‛, so DecodeName recovers the segments exactly (the
// same escape rclone's encoder uses).
const (
	nameSep    = "／"
	nameEscape = "‛"
)

// EncodeName joins path segments into one flat file name (see above).
func EncodeName(segments []string) string {
	var b strings.Builder
	for i, s := range segments {
		if i > 0 {
			b.WriteString(nameSep)
		}
		s = strings.ReplaceAll(s, nameEscape, nameEscape+nameEscape)
		s = strings.ReplaceAll(s, nameSep, nameEscape+nameSep)
		b.WriteString(s)
	}
	return b.String()
}

// DecodeName splits a name made by EncodeName back into its segments.
func DecodeName(name string) []string {
	var segs []string
	var cur strings.Builder
	for len(name) > 0 {
		switch {
		case strings.HasPrefix(name, nameEscape+nameEscape):
			cur.WriteString(nameEscape)
			name = name[2*len(nameEscape):]
		case strings.HasPrefix(name, nameEscape+nameSep):
			cur.WriteString(nameSep)
			name = name[len(nameEscape)+len(nameSep):]
		case strings.HasPrefix(name, nameSep):
			segs = append(segs, cur.String())
			cur.Reset()
			name = name[len(nameSep):]
		default:
			cur.WriteByte(name[0])
			name = name[1:]
		}
	}
	return append(segs, cur.String())
}

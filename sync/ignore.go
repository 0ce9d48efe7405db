package sync

import (
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// DefaultIgnore lists the built-in patterns for temporary and system files:
// partial downloads, office lock files, editor backups, OS metadata. They
// have the lowest priority, so a folder pattern like "!keep.tmp" re-includes
// a file.
var DefaultIgnore = []string{
	"*.part", "*.crdownload", "~$*", ".~lock.*", "*.tmp", "*~",
	".DS_Store", "Thumbs.db", "desktop.ini",
}

// Ignore decides which paths below a folder root are never watched or
// handed on. It is immutable and safe for concurrent use.
type Ignore struct {
	user []gitignore.Pattern // folder patterns in file order; later ones win
}

// NewIgnore builds the matcher for a folder's patterns (gitignore syntax,
// relative to the folder root, matched against NFC names). Blank lines and
// "#" comments are skipped; gitignore has no invalid patterns, a malformed
// glob simply never matches.
func NewIgnore(patterns []string) *Ignore {
	m := &Ignore{}
	for _, p := range patterns {
		p = strings.TrimSuffix(p, "\r")
		if strings.TrimSpace(p) == "" || strings.HasPrefix(p, "#") {
			continue
		}
		m.user = append(m.user, gitignore.ParsePattern(p, nil))
	}
	return m
}

// Match reports whether the path given as NFC segments below the root is
// ignored. The caller guarantees that no parent of the path is ignored (the
// walker never descends into an ignored directory), so the built-in
// patterns only need to look at the last segment.
func (m *Ignore) Match(segs []string, isDir bool) bool {
	if len(segs) == 0 {
		return false
	}
	// Folder patterns first, newest first, as gitignore orders priorities;
	// gitignore.Matcher only answers yes/no, we need "no opinion" too so the
	// defaults can apply below them.
	for i := len(m.user) - 1; i >= 0; i-- {
		switch m.user[i].Match(segs, isDir) {
		case gitignore.Exclude:
			return true
		case gitignore.Include:
			return false
		}
	}
	return defaultIgnored(segs[len(segs)-1])
}

// defaultIgnored is DefaultIgnore written out as string tests: it runs for
// every file of every scan, and a glob loop would cost more than the lstat.
// Windows-born names compare case-insensitively, as Windows does.
func defaultIgnored(name string) bool {
	switch {
	case strings.HasSuffix(name, ".part"),
		strings.HasSuffix(name, ".crdownload"),
		strings.HasPrefix(name, "~$"),
		strings.HasPrefix(name, ".~lock."),
		strings.HasSuffix(name, ".tmp"),
		strings.HasSuffix(name, "~"),
		name == ".DS_Store",
		strings.EqualFold(name, "Thumbs.db"),
		strings.EqualFold(name, "desktop.ini"):
		return true
	}
	return false
}

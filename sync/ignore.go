package sync

import (
	"path"
	"slices"
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
	user []userPattern // folder patterns in file order; later ones win
}

// userPattern is one folder pattern and what Match needs to know of it.
type userPattern struct {
	p gitignore.Pattern
	// simple: no "/" but a trailing one, so git matches it against the
	// last name only; starStar: it has a "**", which may match a folder
	// and everything in it.
	simple, starStar bool
	// own: the pattern's segments when Match matches it itself (a "**"
	// segment in a pattern with a "/", see starStarMatch); neg and dirOnly
	// are its "!" and trailing "/".
	own          []string
	neg, dirOnly bool
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
		p = plainStars(p)
		body := strings.TrimSuffix(strings.TrimPrefix(p, "!"), "/")
		u := userPattern{
			p: gitignore.ParsePattern(p, nil), simple: !strings.Contains(body, "/"), starStar: strings.Contains(body, "**"),
		}
		if segs := strings.Split(strings.TrimPrefix(body, "/"), "/"); !u.simple && slices.Contains(segs, "**") {
			u.own, u.neg, u.dirOnly = segs, strings.HasPrefix(p, "!"), strings.HasSuffix(p, "/")
		}
		m.user = append(m.user, u)
	}
	return m
}

// plainStars rewrites a run of asterisks that is not a whole path segment
// ("a**b", "/**b") as one "*": git reads such a run as a plain "*", while
// the parser used here would not match "/**b" against "ab" (found by
// FuzzIgnore against the rules as git documents them). Patterns with a
// backslash escape are left alone.
func plainStars(p string) string {
	if !strings.Contains(p, "**") || strings.Contains(p, `\`) {
		return p
	}
	// "/**" (and "!/**", "/**/") is everything below the root; the parser
	// matches nothing with it. Every top-level entry is the same set, as
	// nothing below an ignored folder is looked at.
	neg, body := "", p
	if strings.HasPrefix(body, "!") {
		neg, body = "!", body[1:]
	}
	for strings.HasSuffix(body, "/**/**") {
		body = strings.TrimSuffix(body, "/**") // "x/**/**" is "x/**"
	}
	switch body {
	case "/**":
		return neg + "*"
	case "/**/":
		return neg + "*/"
	}
	// "x/**" is everything inside x, not x itself; the parser also matches
	// a file named x. "x/*" is the same set here (nothing below an ignored
	// folder is looked at). A negated "!x/**" keeps its form: "!x/*" would
	// not reach deeper files; it still re-includes a file named x (a known
	// difference from git, left out of FuzzIgnore's alphabet).
	if neg == "" && strings.HasSuffix(body, "/**") && len(body) > 3 {
		body = strings.TrimSuffix(body, "/**") + "/*"
	}
	p = neg + body
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if s == "**" || s == "!**" || !strings.Contains(s, "**") {
			continue
		}
		for strings.Contains(s, "**") {
			s = strings.ReplaceAll(s, "**", "*")
		}
		segs[i] = s
	}
	return strings.Join(segs, "/")
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
		u := m.user[i]
		if u.own != nil {
			if (!u.dirOnly || isDir) && starStarMatch(u.own, segs, true) {
				return !u.neg
			}
			continue
		}
		switch u.p.Match(segs, isDir) {
		case gitignore.Exclude:
			return true
		case gitignore.Include:
			if u.viaParent(segs, isDir) {
				continue
			}
			return false
		}
	}
	return defaultIgnored(segs[len(segs)-1])
}

// viaParent reports whether an Include the parser gave for segs came only
// from the pattern matching one of its folders: the parser answers for a
// path when any folder above it matches, but git's "!dir/" re-includes the
// folder, not an opinion on each file in it (found by FuzzIgnore: with
// "!?/", "a/x.tmp" must still fall to the built-in defaults). Since no
// parent of segs is ignored, only Include needs the check.
func (u userPattern) viaParent(segs []string, isDir bool) bool {
	if len(segs) < 2 {
		return false
	}
	if u.simple {
		return u.p.Match(segs[len(segs)-1:], isDir) == gitignore.NoMatch
	}
	return !u.starStar && u.p.Match(segs[:len(segs)-1], true) != gitignore.NoMatch
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

// starStarMatch reports whether the segments of an anchored pattern match
// the whole path segs: "**" matches any number of whole segments (at
// least one when it ends the pattern: "x/**" is what is inside x), any
// other segment exactly one (path.Match). The parser's matcher does not
// go back after a "**" once the next segment matched: "**/?/b" missed
// "a/a/b" (found by FuzzIgnore), so Match uses this for every pattern with
// a "**" segment and a "/". first: pat starts the pattern.
func starStarMatch(pat, segs []string, first bool) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		least := 0
		if len(pat) == 1 && !first {
			least = 1
		}
		for k := least; k <= len(segs); k++ {
			if starStarMatch(pat[1:], segs[k:], false) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, err := path.Match(pat[0], segs[0])
	return err == nil && ok && starStarMatch(pat[1:], segs[1:], false)
}

package sync

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// nfc returns s in Unicode normal form C. Names created on macOS (or copied
// from it) are often NFD; the remote side and the sent index must see one
// spelling, whichever way the name arrived (scan or event). The quick check
// keeps the common ASCII case free of allocations.
func nfc(s string) string {
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// joinRel appends an NFC name to a slash-separated relative directory.
func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// relOf returns the NFC, slash-separated path of abs below root, ok false for
// root itself or a path outside it (a stale event from a directory that was
// moved away).
func relOf(root, abs string) (string, bool) {
	if len(abs) <= len(root)+1 || !strings.HasPrefix(abs, root) || abs[len(root)] != filepath.Separator {
		return "", false
	}
	rel := filepath.ToSlash(abs[len(root)+1:])
	if rel == ".." || strings.HasPrefix(rel, "../") || strings.Contains(rel, "/../") {
		return "", false
	}
	return nfc(rel), true
}

// parentRel is the relative directory of a relative path ("" for the root).
func parentRel(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return ""
}

// opErr is "op path: err", but never names path twice: an *fs.PathError
// for path says "open path: ..." already, and "scan path: open path: ..."
// reads as a doubled prefix.
func opErr(op, path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s %s: %w", op, path, err)
}

package config

import "path/filepath"

// fx is the fixture path p (slash-separated, from the root) as an absolute
// path of this platform, cleaned as ResolvePaths returns it.
func fx(p string) string { return filepath.Clean(fixtureRoot + p) }

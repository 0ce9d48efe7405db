//go:build !windows

package secrets

import (
	"fmt"
	"io/fs"
)

// checkPrivate refuses a secret file whose mode lets anyone but the owner
// read or write it.
func checkPrivate(path string, fi fs.FileInfo) error {
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%w: %w: %s has mode %04o; run chmod 600 %s",
			ErrUnavailable, ErrFileMode, path, fi.Mode().Perm(), path)
	}
	return nil
}

// restrictNew does nothing here: the file is created with mode 0600.
func restrictNew(string) error { return nil }

package twake

import "golang.org/x/sys/unix"

// canRenameNoReplace: record files are reused (reuse.go).
const canRenameNoReplace = true

// renameNoReplace renames old to new, failing with EEXIST when new exists.
func renameNoReplace(old, new string) error {
	return unix.Renameat2(unix.AT_FDCWD, old, unix.AT_FDCWD, new, unix.RENAME_NOREPLACE)
}

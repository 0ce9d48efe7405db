package twake

import "golang.org/x/sys/unix"

// canRenameNoReplace: record files are reused (reuse.go).
const canRenameNoReplace = true

// renameNoReplace renames old to new, failing with EEXIST when new exists
// (renamex_np with RENAME_EXCL, macOS 10.12 and later).
func renameNoReplace(old, new string) error {
	return unix.RenamexNp(old, new, unix.RENAME_EXCL)
}

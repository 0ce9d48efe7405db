//go:build !linux && !darwin

package twake

import "errors"

// canRenameNoReplace: without a rename that never replaces, record files
// are created and removed, not reused (reuse.go).
const canRenameNoReplace = false

func renameNoReplace(_, _ string) error { return errors.ErrUnsupported }

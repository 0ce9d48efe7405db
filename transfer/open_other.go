//go:build !unix

package transfer

import "os"

// openRead opens p for reading (see open_unix.go).
func openRead(p string) (*os.File, error) { return os.Open(p) }

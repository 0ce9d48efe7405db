package logging

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// RotatingFile is an io.WriteCloser that appends to a log file and, when a
// write would take it past MaxSize, renames it to NAME.1 (shifting older
// files up to NAME.<Backups>, dropping the oldest) and starts a new one.
// Files are created with mode 0600: logs are redacted, but they still show
// file names and server names, which are the user's business. Safe for
// concurrent use; every Write is one whole log line, so lines never straddle
// two files.
type RotatingFile struct {
	path    string
	maxSize int64
	backups int

	mu   sync.Mutex // guards f and size
	f    *os.File
	size int64
}

// OpenRotating opens (or creates) path for appending. maxSize <= 0 means
// 10 MiB; backups < 1 means 3.
func OpenRotating(path string, maxSize int64, backups int) (*RotatingFile, error) {
	if maxSize <= 0 {
		maxSize = 10 << 20
	}
	if backups < 1 {
		backups = 3
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	r := &RotatingFile{path: path, maxSize: maxSize, backups: backups}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *RotatingFile) open() error {
	f, err := os.OpenFile(r.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open log: %w", err)
	}
	r.f, r.size = f, fi.Size()
	return nil
}

// Write appends p, rotating first when p would not fit. A single write
// larger than MaxSize goes whole into a fresh file. When rotation fails
// (a rename refused) the line is still appended to the current file and
// the rotation error is returned with n == len(p): a log line is never
// dropped because of housekeeping.
func (r *RotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	var rotErr error
	if r.size > 0 && r.size+int64(len(p)) > r.maxSize {
		rotErr = r.rotate()
		if r.f == nil {
			return 0, rotErr
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	if err == nil {
		err = rotErr
	}
	return n, err
}

func (r *RotatingFile) rotate() error {
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("rotate log: %w", err)
	}
	r.f = nil
	if err := r.shift(); err != nil {
		// Keep logging into the oversized file rather than losing lines.
		if oerr := r.open(); oerr != nil {
			return fmt.Errorf("rotate log: %w (and reopen: %w)", err, oerr)
		}
		return fmt.Errorf("rotate log: %w", err)
	}
	return r.open()
}

// shift renames NAME.(k-1) -> NAME.k from the oldest down, then NAME ->
// NAME.1; a missing file in the chain (fewer rotations so far) is skipped.
func (r *RotatingFile) shift() error {
	for k := r.backups; k > 1; k-- {
		err := os.Rename(fmt.Sprintf("%s.%d", r.path, k-1), fmt.Sprintf("%s.%d", r.path, k))
		if err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return os.Rename(r.path, r.path+".1")
}

// Close closes the current file. Later writes fail with os.ErrClosed.
func (r *RotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

package transfer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// fileError is a problem with the local file; kind is one of KindVanished,
// KindUnreadable, KindNotRegular.
type fileError struct {
	kind string
	path string
	err  error
}

// Error names the file once: an *fs.PathError from os.Open or Stat names
// it already ("open X: permission denied"), and saying "open X: " again in
// front of it doubles the prefix.
func (e *fileError) Error() string {
	var pe *fs.PathError
	if errors.As(e.err, &pe) && pe.Path == e.path {
		return e.err.Error()
	}
	return fmt.Sprintf("open %s: %v", e.path, e.err)
}
func (e *fileError) Unwrap() error { return e.err }

// localPath is where job j's file is on this machine (the on-disk name
// may differ from the NFC RelPath; the queue keeps both).
func localPath(j queue.Job) string { return j.OnDisk() }

// openRegular opens p for reading and returns it with its current stat.
// Only regular files are opened; a symbolic link is followed and its
// target must be regular. The type is checked before opening and again on
// the open file, so a swap in between is caught too. Errors are
// *fileError.
func openRegular(p string) (*os.File, os.FileInfo, error) {
	// Stat (following links) before opening: opening a FIFO would block
	// until some writer appears.
	pre, err := statPath(p)
	if err == nil && !pre.Mode().IsRegular() {
		return nil, nil, &fileError{kind: KindNotRegular, path: p, err: fmt.Errorf("%s is not a regular file", pre.Mode().Type())}
	}
	f, err := openRead(p)
	if err != nil {
		kind := KindUnreadable
		if errors.Is(err, fs.ErrNotExist) {
			kind = KindVanished
		}
		return nil, nil, &fileError{kind: kind, path: p, err: err}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, &fileError{kind: KindUnreadable, path: p, err: err}
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, &fileError{kind: KindNotRegular, path: p, err: fmt.Errorf("%s is not a regular file", fi.Mode().Type())}
	}
	// A directory can be opened; some unreadable files fail only on read.
	// Probe one byte so permission problems surface before Begin.
	if fi.Size() > 0 {
		var b [1]byte
		if _, err := f.ReadAt(b[:], 0); err != nil {
			f.Close()
			return nil, nil, &fileError{kind: KindUnreadable, path: p, err: err}
		}
	}
	return f, fi, nil
}

// statPath is os.Stat; tests count the stats made per file through it.
var statPath = os.Stat

// sameFile reports whether the file at p still has size and mtime.
func sameFile(p string, size int64, mtime time.Time) (bool, error) {
	fi, err := statPath(p)
	if err != nil {
		return false, err
	}
	return fi.Mode().IsRegular() && fi.Size() == size && fi.ModTime().Equal(mtime), nil
}

// tornStatTries bounds how often in a row an attempt is refused by
// tornStat, for a filesystem that keeps the mtime through size changes.
const tornStatTries = 3

// tornStat reports whether fi, the stat an upload is about to be planned
// from, shows job j's file with another size than last seen but the same
// modification time, long after that time. A write or a truncation always
// moves the mtime, except within one tick of the clock; but the kernel
// sets a truncated file's size before its times, so a stat taken in that
// instant sees the new size with the old mtime: a file in the middle of
// being rewritten that looks quiet (the wait for a quiet file before the
// committing chunk would not wait, and a one-chunk file would be stored
// empty). Such a stat plans nothing: the attempt ends as "file changed"
// and the next one stats again. After tornStatTries attempts in a row the
// stat is taken as it is.
func (e *Engine) tornStat(j queue.Job, fi os.FileInfo) bool {
	return j.Attempts < tornStatTries && fi.Size() != j.Size && fi.ModTime().Equal(j.ModTime) &&
		e.opts.Now().Sub(fi.ModTime()) > e.opts.CommitQuiet
}

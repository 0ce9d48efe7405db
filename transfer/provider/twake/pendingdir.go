package twake

import (
	"io"
	"io/fs"
	"os"
	"runtime"
	"sync"
)

// dirLister lists the records folder for every sweep, that is for every
// Begin. os.ReadDir opens and closes the folder each time, and those two
// system calls were most of the sweep's cost: with 2,000 small files to
// Twake, os.ReadDir was 7 % of the process's CPU, 0.09 of its 0.12 s in
// the open and the close (docs/bench/optimisations.md, issue 20 round 10).
// So the lister keeps one handle on the folder and reads it again from the
// start (lseek, then getdents).
//
// A kept handle follows the folder it opened, not its name. Read through
// it, a folder removed meanwhile (the user cleared the cache) fails (Linux)
// or reads as empty, so a failed or empty listing is read again by name,
// through a new handle; so is the listing after this process had to make
// the folder again (reset). Where
// a folder cannot be read again from the start (Windows, where a kept
// handle would also keep the folder from being removed), every listing
// goes by name, as os.ReadDir does.
type dirLister struct {
	path string

	mu     sync.Mutex
	f      *os.File // the kept handle; nil until the first listing, or after reset
	byName bool     // keep no handle: list by name each time
}

func newDirLister(path string) *dirLister {
	return &dirLister{path: path, byName: runtime.GOOS == "windows"}
}

// list returns the folder's entries, in no particular order.
func (d *dirLister) list() ([]fs.DirEntry, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.byName {
		if ents, ok := d.listKept(); ok {
			return ents, nil
		}
	}
	return os.ReadDir(d.path)
}

// listKept lists through the kept handle, opening it first if needed; ok
// is false when the caller must list by name (no handle, an error, or an
// empty listing). Callers hold d.mu.
func (d *dirLister) listKept() ([]fs.DirEntry, bool) {
	if d.f == nil {
		f, err := os.Open(d.path)
		if err != nil {
			return nil, false // missing or unreadable: os.ReadDir says which
		}
		d.f = f
	} else if _, err := d.f.Seek(0, io.SeekStart); err != nil {
		d.byName = true // this system cannot: list by name from now on
		d.drop()
		return nil, false
	}
	ents, err := d.f.ReadDir(-1)
	if err != nil || len(ents) == 0 {
		d.drop() // perhaps a removed folder: open it by name next time
		return nil, false
	}
	return ents, true
}

// reset drops the kept handle: the folder was made again under its name.
func (d *dirLister) reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.drop()
}

// drop closes the kept handle; callers hold d.mu.
func (d *dirLister) drop() {
	if d.f != nil {
		_ = d.f.Close() // read-only; nothing to lose
		d.f = nil
	}
}

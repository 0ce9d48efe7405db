package twake

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// Reusing record files. Creating a record file and removing it again, for
// every file uploaded, was the largest cost of a small file to Twake on
// the client: a new inode and two directory changes; on ext4 without a
// journal a search, for each new inode, past every inode freed in the last
// 30 s (a quarter of the CPU of uploading 2,000 small files, by perf;
// docs/bench/optimisations.md, issue 20 round 6). Where the system
// can rename without replacing (Linux: renameat2 RENAME_NOREPLACE; macOS:
// renamex_np RENAME_EXCL; not Windows, where an open file cannot be renamed), a
// released record is emptied instead (overwritten with spaces, its length
// kept) and stays open and locked by this process; the next add renames
// it to the new record's name, then writes the record over the spaces.
//
// What other processes and later runs see stays what a record promises:
//   - A record file always has the name of the entity it names (renamed
//     while empty, written after), so hold and adopt find it by its name.
//   - An emptied record is all spaces: not a record (no JSON value), so it
//     names no entity. A kill between the rename and the write leaves one,
//     as a kill between create and write left an empty file: the entity
//     being created may be orphaned, the window the notes in pending.go
//     accept.
//   - A record left trailing spaces by a longer one is still valid JSON.
//   - This process's emptied records are locked: other processes' sweeps
//     leave them alone. One no process holds (its process died) is removed
//     by the next sweep that sees it; an empty file (a record being
//     created, before its lock) is never mistaken for one.
//   - Emptied records are kept only while another upload is in flight:
//     when the last record a process holds is released, they are removed,
//     so a process that finished its uploads leaves no file behind.

// blank reports whether raw is an emptied record: not empty, all spaces.
func blank(raw []byte) bool {
	return len(raw) > 0 && len(bytes.Trim(raw, " ")) == 0
}

// reuse renames an emptied record of this process to p and writes record
// b into it. It returns nil and no error when there is none to reuse (or
// the rename failed: the caller creates p instead), and the error of a
// write that failed (the record then does not exist).
func (ps *pendingSet) reuse(p string, b []byte) (*os.File, int, error) {
	ps.mu.Lock()
	if len(ps.free) == 0 {
		ps.mu.Unlock()
		return nil, 0, nil
	}
	s := ps.free[len(ps.free)-1]
	ps.free = ps.free[:len(ps.free)-1]
	ps.mu.Unlock()
	if err := renameNoReplace(s.path, p); err != nil {
		dropSlots([]slot{s})
		if !errors.Is(err, syscall.EEXIST) {
			ps.noReuse.Store(true) // the file system cannot: create from now on
		}
		return nil, 0, nil
	}
	size := max(len(b), s.size)
	rec := b
	if len(b) < size {
		rec = append(append(make([]byte, 0, size), b...), bytes.Repeat([]byte(" "), size-len(b))...)
	}
	if _, err := s.f.WriteAt(rec, 0); err != nil {
		_ = s.f.Close()  // the record failed; nothing refers to it
		_ = os.Remove(p) // as above
		return nil, 0, err
	}
	return s.f, size, nil
}

// keep empties h, the record at p just released, and keeps it open and
// locked for the next add. It reports false when the record is not to be
// kept (no reuse here, enough kept, no other upload in flight, or the
// emptying failed): the caller closes and removes it.
func (ps *pendingSet) keep(h *held, p string) bool {
	if !canRenameNoReplace || h.size == 0 || ps.noReuse.Load() {
		return false
	}
	ps.mu.Lock()
	full := len(ps.free) >= maxFree
	ps.mu.Unlock()
	if full {
		return false
	}
	if _, err := h.f.WriteAt(bytes.Repeat([]byte(" "), h.size), 0); err != nil {
		return false
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if len(ps.free) >= maxFree || len(ps.held) == 0 {
		return false // enough kept, or no upload in flight (see release)
	}
	ps.free = append(ps.free, slot{f: h.f, path: p, size: h.size})
	return true
}

// dropSlots closes and removes emptied records taken out of ps.free.
func dropSlots(slots []slot) {
	for _, s := range slots {
		_ = s.f.Close()       // an emptied record names nothing
		_ = os.Remove(s.path) // as above; a sweep removes it otherwise
	}
}

// dropFree removes the emptied record name when no process holds it: its
// process died. One a live process holds is left to it.
func (ps *pendingSet) dropFree(name string) {
	p := filepath.Join(ps.dir, name)
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return // gone meanwhile: nothing to do
	}
	defer f.Close() //nolint:errcheck // read-only use; the lock goes with it
	if ok, err := tryLock(f); err != nil || !ok {
		return
	}
	// Locked: no process holds it, and none can rename it now (only its
	// holder would). Read it again: it is what the sweep saw, or a record
	// a live process has since written would be locked.
	raw := make([]byte, 4096)
	n, _ := f.ReadAt(raw, 0)
	if blank(raw[:n]) {
		_ = os.Remove(p) // a failure is retried next sweep
	}
}

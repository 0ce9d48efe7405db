package sandbox

import (
	"fmt"
	"os"
	"sync"
)

// maxOpenBlobs is how many blob temporary files a store keeps open at
// once. A blob is content being received, and a chunked upload keeps one
// between its requests for as long as its client takes: a client that
// starts 20,000 uploads before finishing any (a phased batch uploader, or
// abandoned sessions) would otherwise hold 20,000 descriptors and every
// request of every service would fail with "too many open files". The
// real servers keep their pending chunks in files or objects, not open
// descriptors; a blob past the limit is closed and reopened by name when
// its next request comes.
const maxOpenBlobs = 256

// blobFiles is the store's list of blobs whose temporary file is open,
// the most recently used first. Lock order: a blob's mu, then
// blobFiles.mu; a blob is closed for the limit (park) only by trim, which
// holds no other lock when it takes the blob's mu.
type blobFiles struct {
	mu         sync.Mutex
	limit      int
	n          int
	head, tail *Blob
}

// touch puts b first in the list, adding it when it was not listed.
func (l *blobFiles) touch(b *Blob) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b.listed {
		if l.head == b {
			return
		}
		l.unlink(b)
	}
	b.listed = true
	b.prev, b.next = nil, l.head
	if l.head != nil {
		l.head.prev = b
	}
	l.head = b
	if l.tail == nil {
		l.tail = b
	}
	l.n++
}

// remove takes b off the list (its file was closed for good).
func (l *blobFiles) remove(b *Blob) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b.listed {
		l.unlink(b)
	}
}

// unlink takes the listed b off the list. Caller holds l.mu.
func (l *blobFiles) unlink(b *Blob) {
	if b.prev != nil {
		b.prev.next = b.next
	} else {
		l.head = b.next
	}
	if b.next != nil {
		b.next.prev = b.prev
	} else {
		l.tail = b.prev
	}
	b.prev, b.next, b.listed = nil, nil, false
	l.n--
}

// oldestOver takes the least recently used blob off the list while more
// than the limit are listed; nil when within it.
func (l *blobFiles) oldestOver() *Blob {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n <= l.limit || l.tail == nil {
		return nil
	}
	b := l.tail
	l.unlink(b)
	return b
}

// OpenBlobFiles is how many blob temporary files the store holds open.
func (s *Store) OpenBlobFiles() int {
	s.files.mu.Lock()
	defer s.files.mu.Unlock()
	return s.files.n
}

// trimOpenBlobs closes the files of the least recently used blobs until
// at most the limit are open. A blob being read outside its lock (pinned)
// is skipped and listed again. The caller holds no blob's mu. The loop is
// bounded by the blobs listed when it starts.
func (s *Store) trimOpenBlobs() {
	for range s.OpenBlobFiles() {
		b := s.files.oldestOver()
		if b == nil {
			return
		}
		b.park()
	}
}

// park closes b's temporary file, if it is open and nobody reads it
// outside the lock; the next use reopens it by name.
func (b *Blob) park() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.f == nil {
		return
	}
	if b.pins > 0 {
		b.store.files.touch(b)
		return
	}
	b.settle()
	// Written bytes are in the page cache whatever happens to the
	// descriptor; commit syncs the file through the one it reopens.
	_ = b.f.Close()
	b.f = nil
}

// file returns b's open temporary file, reopening it if the limit closed
// it, and marks b as just used. Caller holds b.mu.
func (b *Blob) file() (*os.File, error) {
	if b.closed {
		return nil, ErrBlobClosed
	}
	if b.f == nil {
		f, err := os.OpenFile(b.path, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("reopen blob: %w", err)
		}
		b.f = f
	}
	b.store.files.touch(b)
	return b.f, nil
}

// pin returns b's file for a read outside b.mu; unpin must follow.
func (b *Blob) pin() (*os.File, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := b.file()
	if err == nil {
		b.pins++
	}
	return f, err
}

// unpin ends a read begun by pin, and keeps the store within its limit
// (the read may have reopened b).
func (b *Blob) unpin() {
	b.mu.Lock()
	b.pins--
	b.mu.Unlock()
	b.store.trimOpenBlobs()
}

// blobReader reads a blob's content through its (re)opened file; Reader
// hands it out inside a SectionReader.
type blobReader struct{ b *Blob }

func (r blobReader) ReadAt(p []byte, off int64) (int, error) {
	f, err := r.b.pin()
	if err != nil {
		return 0, err
	}
	defer r.b.unpin()
	return f.ReadAt(p, off)
}

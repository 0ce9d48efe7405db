package sandbox

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
)

// Blob is file content being received. It lives in a temporary file under
// the store's directory until Commit makes it durable; an API may keep a
// Blob open across requests (a chunked upload session) and append to it or
// write at offsets. A Blob is safe for concurrent use, but appends from
// concurrent requests interleave in arrival order: an API that needs strict
// order must serialise its requests itself.
//
// A Blob computes no checksum: the store computes a file's SHA-256 when
// it is first needed (see sum.go), so receiving a byte costs a read and a
// write, whatever order the bytes arrive in.
type Blob struct {
	store *Store

	mu        sync.Mutex    // guards the fields below
	path      string        // the temporary file
	f         *os.File      // open, or nil when closed for the store's limit (blobfiles.go) or for good
	closed    bool          // committed or discarded
	pins      int           // reads in progress outside mu (blobReader, HashAt): f stays open
	size      int64         // highest offset written
	hashing   chan struct{} // closed when the background work of the last append is done; nil if none
	flushed   int64         // bytes before this offset were handed to startWriteback
	unhinted  int64         // bytes WriteAt wrote since it last started a write-out
	committed bool
	id        uint64 // blob id once committed

	// The store's open-file list (blobfiles.go), guarded by its mu.
	listed     bool
	prev, next *Blob
}

// ErrBlobClosed is returned by Blob methods after Commit or Discard.
var ErrBlobClosed = errors.New("blob already committed or discarded")

// NewBlob starts an empty blob in a temporary file.
func (s *Store) NewBlob() (*Blob, error) {
	f, err := os.CreateTemp(s.tmpDir, "blob-*")
	if err != nil {
		return nil, fmt.Errorf("new blob: %w", err)
	}
	b := &Blob{store: s, path: f.Name(), f: f}
	s.files.touch(b)
	s.trimOpenBlobs()
	return b, nil
}

// Write appends p at the current end of the blob.
func (b *Blob) Write(p []byte) (int, error) {
	defer b.store.trimOpenBlobs()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.appendLocked(p, false, nil)
}

// appendLocked writes p at the end of the blob. With async, the extra
// hashes are fed p[:n] each on a goroutine of its own, which read p until
// b.hashing is closed: the caller must not change p before the next
// settle. Caller holds b.mu.
//
// Async appends also start the disk write-out of every writebackStep
// bytes as they arrive (on the same goroutine, so a slow disk never
// blocks the caller's next read), which leaves little for commit's
// fsync: without it the kernel keeps a whole upload dirty in memory and
// the fsync writes it all while the client waits for its answer.
func (b *Blob) appendLocked(p []byte, async bool, extra []hash.Hash) (int, error) {
	f, err := b.file()
	if err != nil {
		return 0, err
	}
	// The previous append's hashes first, so they see the bytes in file
	// order.
	b.settle()
	n, err := f.WriteAt(p, b.size)
	b.size += int64(n)
	var wbOff, wbLen int64
	if async && b.size-b.flushed >= writebackStep {
		wbOff, wbLen = b.flushed, b.size-b.flushed
		b.flushed = b.size
	}
	if !async || n == 0 {
		extra = nil
	}
	if wbLen > 0 || len(extra) > 0 {
		done := make(chan struct{})
		hashed := &b.store.hashed
		go func(f *os.File, p []byte) {
			var wg sync.WaitGroup
			for _, x := range extra {
				wg.Go(func() {
					x.Write(p) // hash.Hash.Write never fails
					hashed.Add(int64(len(p)))
				})
			}
			if wbLen > 0 {
				startWriteback(f, wbOff, wbLen) // f stays open: Discard and commit settle first
			}
			wg.Wait()
			close(done)
		}(f, p[:n])
		b.hashing = done
	}
	if err != nil {
		return n, fmt.Errorf("write blob: %w", err)
	}
	return n, nil
}

// writebackStep is how many appended bytes are handed to the disk at once.
const writebackStep = 8 << 20

// settle waits for the background work of the last append (its extra
// hashes, its write-out hint). Caller holds b.mu (the goroutine never
// takes it).
func (b *Blob) settle() {
	if b.hashing != nil {
		<-b.hashing
		b.hashing = nil
	}
}

// WriteAt writes p at off (chunks arriving in any order). Every
// writebackStep bytes written so, it starts the disk write-out of the
// whole file on another goroutine, as appends do for theirs.
func (b *Blob) WriteAt(p []byte, off int64) (int, error) {
	defer b.store.trimOpenBlobs()
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := b.file()
	if err != nil {
		return 0, err
	}
	b.settle()
	n, err := f.WriteAt(p, off)
	b.size = max(b.size, off+int64(n))
	if b.unhinted += int64(n); b.unhinted >= writebackStep {
		b.unhinted = 0
		done, size := make(chan struct{}), b.size
		go func(f *os.File) {
			startWriteback(f, 0, size) // f stays open: Discard, commit and park settle first
			close(done)
		}(f)
		b.hashing = done
	}
	if err != nil {
		return n, fmt.Errorf("write blob at %d: %w", off, err)
	}
	return n, nil
}

// ReadFrom appends everything r yields (io.Copy uses it) and returns the
// number of bytes appended, even on error: a request body that breaks off
// mid-way leaves its received prefix in the blob, exactly like a real
// server that appends as it reads. Callers that must not keep a partial
// append compare Size before and after, or use a fresh Blob.
//
// It reads in 256 KiB pieces and writes each with one system call.
func (b *Blob) ReadFrom(r io.Reader) (int64, error) { return b.readFrom(r, nil) }

// ReadFromHashing is ReadFrom that also writes every appended byte, in
// order, to each of hashes, on goroutines of their own while the next
// piece is read (so on a second core they cost the caller no time). The
// hashes have seen exactly the appended bytes when it returns, error or
// not; the caller must not use them while it runs.
func (b *Blob) ReadFromHashing(r io.Reader, hashes ...hash.Hash) (int64, error) {
	return b.readFrom(r, hashes)
}

func (b *Blob) readFrom(r io.Reader, extra []hash.Hash) (int64, error) {
	bufs := readBufs.Get().(*[2][]byte)
	defer b.store.trimOpenBlobs()
	defer func() {
		// The last piece may still be hashed from bufs.
		b.mu.Lock()
		b.settle()
		b.mu.Unlock()
		readBufs.Put(bufs)
	}()
	var total int64
	for i := 0; ; i ^= 1 {
		// bufs[i] is free: the piece last hashed from it was settled by
		// the append of the piece after it.
		n, rerr := Fill(r, bufs[i])
		if n > 0 {
			b.mu.Lock()
			w, werr := b.appendLocked(bufs[i][:n], true, extra)
			b.mu.Unlock()
			total += int64(w)
			if werr != nil {
				return total, werr
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// readBufs holds ReadFrom's two 256 KiB buffers (one being read into while
// the other is hashed by ReadFromHashing's hashes), reused across
// requests.
var readBufs = sync.Pool{New: func() any {
	return &[2][]byte{make([]byte, 256<<10), make([]byte, 256<<10)}
}}

// Fill reads into buf until it is full or r fails, and returns the bytes
// read with r's error (io.EOF included, unlike io.ReadFull, so that a body
// cut short keeps its own error). Multipart parts yield at most 4 KiB per
// Read; appending each alone cost a write syscall and a lock per 4 KiB,
// most of the sandbox's time per chunk.
func Fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Dir is the folder the blob's temporary file lives in (on the store's
// disk), for an API's own scratch files.
func (b *Blob) Dir() string { return b.store.tmpDir }

// Size is the number of bytes in the blob (the highest offset written).
func (b *Blob) Size() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.size
}

// Reader reads the blob's current content (the first Size bytes). It is
// valid until Commit or Discard (reads after them fail with
// ErrBlobClosed); writes after the call are not seen past the size at
// the time of the call.
func (b *Blob) Reader() (*io.SectionReader, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBlobClosed
	}
	return io.NewSectionReader(blobReader{b}, 0, b.size), nil
}

// Truncate cuts the blob back to size bytes, e.g. to undo a partial
// append after a broken request.
func (b *Blob) Truncate(size int64) error {
	defer b.store.trimOpenBlobs()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrBlobClosed
	}
	b.settle()
	if size == b.size {
		return nil
	}
	f, err := b.file()
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("truncate blob: %w", err)
	}
	b.size = size
	b.flushed = min(b.flushed, size)
	return nil
}

// Discard deletes the temporary file. It is idempotent and a no-op after
// Commit.
func (b *Blob) Discard() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.settle()
	if b.f != nil {
		_ = b.f.Close() // the file is being deleted: a close error changes nothing
	}
	_ = os.Remove(b.path) // a leftover temp file is removed with the store directory
	b.closeForGood()
}

// closeForGood marks b committed or discarded, its file closed. Caller
// holds b.mu.
func (b *Blob) closeForGood() {
	b.f, b.closed = nil, true
	b.store.files.remove(b)
}

// AppendBlob appends the whole content of src, which stays as it is, and
// returns the bytes appended (all of them, or an error: the caller cuts a
// partial append back with Truncate). On Linux the kernel copies from
// file to file. It locks src, then b: src must not be appending to b.
func (b *Blob) AppendBlob(src *Blob) (int64, error) {
	if src == b {
		return 0, errors.New("append blob: a blob cannot append itself")
	}
	defer b.store.trimOpenBlobs()
	src.mu.Lock()
	defer src.mu.Unlock()
	sf, err := src.file()
	if err != nil {
		return 0, err
	}
	src.settle()
	b.mu.Lock()
	defer b.mu.Unlock()
	df, err := b.file()
	if err != nil {
		return 0, err
	}
	b.settle()
	n, err := copyRange(df, b.size, sf, 0, src.size)
	b.size += n
	if b.size-b.flushed >= writebackStep {
		done, off, size := make(chan struct{}), b.flushed, b.size-b.flushed
		b.flushed = b.size
		go func(f *os.File) {
			startWriteback(f, off, size) // f stays open: Discard, commit and park settle first
			close(done)
		}(df)
		b.hashing = done
	}
	if err != nil {
		return n, fmt.Errorf("append blob: %w", err)
	}
	return n, nil
}

// copyRangeRW is copyRange with reads and writes through a 1 MiB buffer.
func copyRangeRW(dst *os.File, dstOff int64, src *os.File, srcOff, n int64) (int64, error) {
	w := &offsetWriter{f: dst, off: dstOff}
	done, err := copyBuffered(w, io.NewSectionReader(src, srcOff, n))
	if err == nil && done < n {
		err = io.ErrUnexpectedEOF
	}
	return done, err
}

// offsetWriter writes consecutive bytes to f from off on.
type offsetWriter struct {
	f   *os.File
	off int64
}

func (w *offsetWriter) Write(p []byte) (int, error) {
	n, err := w.f.WriteAt(p, w.off)
	w.off += int64(n)
	return n, err
}

// HashAt reads len(p) bytes of the blob at off into p and writes them to
// h; the bytes count in Store.HashedBytes. An API that hashes stored bytes
// behind its requests (SelfCommunity's MD5 follower) reads them so.
func (b *Blob) HashAt(h hash.Hash, p []byte, off int64) error {
	f, err := b.pin()
	if err != nil {
		return err
	}
	_, err = f.ReadAt(p, off)
	b.unpin()
	if err != nil {
		return fmt.Errorf("read blob at %d: %w", off, err)
	}
	h.Write(p) // hash.Hash.Write never fails
	b.store.hashed.Add(int64(len(p)))
	return nil
}

// MD5 returns the hex MD5 of the blob's current content, read back from
// its file in one pass. An API calls it when a rule needs the MD5 (a
// client sent one to compare); the bytes count in Store.HashedBytes.
func (b *Blob) MD5() (string, error) {
	defer b.store.trimOpenBlobs()
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := b.file()
	if err != nil {
		return "", err
	}
	b.settle()
	h := md5.New()
	n, err := copyBuffered(h, io.NewSectionReader(f, 0, b.size))
	b.store.hashed.Add(n)
	if err != nil {
		return "", fmt.Errorf("md5 of blob: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// commit fsyncs the temporary file and renames it into the blob directory
// under a fresh id, so a blob is either complete on disk or absent. It
// returns the blob's id and size; its sums are the store's to compute
// when needed. The Blob is closed afterwards.
func (b *Blob) commit() (id uint64, size int64, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := b.file()
	if err != nil {
		return 0, 0, err
	}
	b.settle()
	if err := f.Sync(); err != nil {
		return 0, 0, fmt.Errorf("commit blob: sync: %w", err)
	}
	tmp := b.path
	cerr := f.Close()
	b.closeForGood()
	if cerr != nil {
		_ = os.Remove(tmp) // not committed: the temp file has no other use
		return 0, 0, fmt.Errorf("commit blob: close: %w", cerr)
	}
	id = b.store.blobSeq.Add(1)
	if err := os.Rename(tmp, b.store.blobPath(id)); err != nil {
		_ = os.Remove(tmp) // the rename failed: the temp file has no other use
		return 0, 0, fmt.Errorf("commit blob: %w", err)
	}
	b.committed, b.id = true, id
	return id, b.size, nil
}

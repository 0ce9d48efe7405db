package selfcommunity

import (
	"errors"
	"hash"
	"io"
	"sync"
)

// hashPiece is how many bytes hashingReader reads and hands to the hash
// at a time.
const hashPiece = 256 << 10

// pieces keeps the hashing readers' buffers between parts: a big file is
// sent as one part after another, and two new 256 KiB buffers per part
// were 35 MB of garbage per GiB, which raised the peak RSS of a big upload.
var pieces = sync.Pool{New: func() any { return new([hashPiece]byte) }}

// errHashingClosed is what Read returns once Close was called: the HTTP
// transport may still read a request body after its answer arrived.
var errHashingClosed = errors.New("part body read after the request ended")

// hashingReader reads a part body and feeds the whole-file MD5 on another
// goroutine, while its caller (the HTTP transport) sends the same bytes:
// the MD5 costs about twice what reading and sending cost, and in line
// it held a part's request to the hash's speed. Pieces are hashed in the
// order read. Close must be called after the request, whatever its
// outcome: it waits for the hash to take every piece read, after which the
// hash may be used, and returns the number of bytes the caller was given
// (the hash covers at least those: it may be a piece ahead of a caller
// that stopped reading).
type hashingReader struct {
	r io.Reader

	// inline: no hasher goroutine (see newHashingReader); Read feeds h.
	inline bool
	h      hash.Hash

	mu     sync.Mutex // held by Read and Close
	data   []byte     // unread rest of the current piece
	err    error      // r's error, returned once data is drained
	closed bool
	served int64 // bytes returned by Read

	work chan []byte   // pieces for the hasher, in order
	free chan []byte   // buffers the hasher is done with
	done chan struct{} // closed when the hasher has hashed every piece
}

// newHashingReader reads r (a part of size bytes), feeding h; a nil h only
// counts the bytes. A part of at most one piece, or one with no hash to
// feed, is hashed as it is read: a goroutine and two 256 KiB buffers for
// a 1 KiB part were a tenth of the CPU of a small file's upload, and with
// one piece there is nothing to overlap.
func newHashingReader(r io.Reader, h hash.Hash, size int64) *hashingReader {
	if h == nil || size <= hashPiece {
		return &hashingReader{r: r, h: h, inline: true}
	}
	t := &hashingReader{
		r:    r,
		work: make(chan []byte, 2),
		free: make(chan []byte, 2),
		done: make(chan struct{}),
	}
	for range cap(t.free) {
		t.free <- pieces.Get().(*[hashPiece]byte)[:]
	}
	go func() {
		defer close(t.done)
		for b := range t.work {
			if h != nil {
				h.Write(b) // hash.Hash.Write never fails
			}
			t.free <- b[:cap(b)]
		}
	}()
	return t
}

// Read serves the current piece; when it is drained, it reads the next one
// into a buffer the hasher has finished with and queues it for hashing.
func (t *hashingReader) Read(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return 0, errHashingClosed
	}
	if t.inline {
		n, err := t.r.Read(p)
		if n > 0 && t.h != nil {
			t.h.Write(p[:n]) // hash.Hash.Write never fails
		}
		t.served += int64(n)
		return n, err
	}
	if len(t.data) == 0 {
		if t.err != nil {
			return 0, t.err
		}
		b := <-t.free // the hasher always hands one back: it never waits on Read
		n, err := readFull(t.r, b)
		t.err = err
		if n == 0 {
			t.free <- b
			return 0, err
		}
		t.data = b[:n]
		t.work <- t.data
	}
	n := copy(p, t.data)
	t.data = t.data[n:]
	t.served += int64(n)
	return n, nil
}

// Close ends reading, waits until the hash holds every byte read, and
// returns the bytes served to the caller. It is idempotent.
func (t *hashingReader) Close() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.closed {
		t.closed = true
		if !t.inline {
			close(t.work)
			<-t.done
			// Every buffer is back in free: the hasher returned what
			// Read queued, and nothing reads t.data after Close.
			t.data = nil
			for range cap(t.free) {
				pieces.Put((*[hashPiece]byte)(<-t.free))
			}
		}
	}
	return t.served
}

// readFull reads into b until it is full or r fails; unlike io.ReadFull it
// returns r's own error, io.EOF included.
func readFull(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

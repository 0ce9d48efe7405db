package twake

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// The sequencer keeps an assembly's writes appends. A Blob checksums its
// content as it is appended, but a single write out of order makes its
// commit re-read the whole file to hash it: a serial second of CPU at the
// end of a 1 GiB upload, while the client waits for the last chunk's
// answer (a quarter of the upload's time in the sandbox profile). Chunks
// sent in parallel arrive in order only for the first of them, so the
// others' pieces are held in memory until the appended prefix reaches
// them. Past maxHeld bytes held (a chunk that never comes, a client far
// ahead), or when a piece overlaps data already written, the sequencer
// writes everything at its offset instead and the commit hashes the file
// again: slower, never wrong.
//
// One writer at a time appends (the appender), outside the sequencer's
// lock: a write whose piece continues the prefix appends it, then every
// held piece the prefix reaches, through a single Blob.ReadFrom (which
// hashes one piece while it writes the next). Other writers only park
// their piece meanwhile, so a request holding the pieces of a chunk ahead
// never waits for the appends (with the lock held through them, every
// request of the file stopped reading its body while a finished chunk's
// successors were appended). Held pieces live in recycled buffers (heldBufs): a
// fresh allocation per piece cost a page fault per 4 KiB, more CPU than
// the checksum (bytes.Clone was a quarter of the sandbox's profile).

// maxHeld bounds the bytes all sequencers hold in memory together. Past
// it, a piece is spilled: written at its offset to the sequencer's spill
// file (an unlinked temporary file beside the blob) and read back from the
// page cache when the prefix reaches it, so the appends and the hash stay
// in order without holding three 50 MB chunks in memory (the sandbox ran
// at 240 MiB during a 1 GiB upload with four parallel chunks; issue 20).
const maxHeld = 16 << 20

var heldTotal atomic.Int64

// piece is held data: p belongs at off; buf is the buffer p lives
// in (from heldBufs), nil when p was allocated for it.
type piece struct {
	off int64
	p   []byte
	buf *[]byte
	// spilled is the length of a piece that lives in the spill file at
	// off instead of in p (0 for a piece in memory).
	spilled int64
}

// size is the piece's length, in memory or spilled.
func (h piece) size() int64 {
	if h.spilled > 0 {
		return h.spilled
	}
	return int64(len(h.p))
}

// heldBufs keeps the buffers of held pieces for the next ones, up to
// maxHeld bytes of them. Not a sync.Pool: a collection empties a pool, and
// a parallel upload holds enough to run several, so most pieces landed in
// fresh memory again (a page fault per 4 KiB: the copy into a recycled
// buffer costs a fifth of that).
var heldBufs = make(chan *[]byte, maxHeld/copyBufSize)

func heldBuf() *[]byte {
	select {
	case bp := <-heldBufs:
		return bp
	default:
		b := make([]byte, copyBufSize)
		return &b
	}
}

// release gives the piece's buffer back for reuse.
func (h piece) release() {
	if h.buf == nil {
		return
	}
	select {
	case heldBufs <- h.buf:
	default: // enough kept; the collector takes this one
	}
}

// hold makes p a piece at off: p itself when it lives in bp (from
// heldBufs), else a copy.
func hold(p []byte, off int64, bp *[]byte) piece {
	if bp != nil {
		return piece{off: off, p: p, buf: bp}
	}
	if len(p) > copyBufSize {
		return piece{off: off, p: bytes.Clone(p)}
	}
	bp = heldBuf()
	return piece{off: off, p: (*bp)[:copy(*bp, p)], buf: bp}
}

// sequencer writes to one assembly blob. Its methods are safe for
// concurrent use; every write to the blob goes through it.
type sequencer struct {
	b *sandbox.Blob

	mu        sync.Mutex
	idle      sync.Cond // broadcast when appending ends or frees held memory
	next      int64     // end of the prefix appended or being appended
	held      []piece   // waiting for next to reach them, in arrival order
	heldLen   int64
	ordered   bool     // false once a write went in at its offset
	appending bool     // a write is appending up to next; no one else writes b
	spill     *os.File // spilled pieces at their offsets; nil until needed
}

func newSequencer(b *sandbox.Blob) *sequencer {
	s := &sequencer{b: b, next: b.Size(), ordered: true}
	s.idle.L = &s.mu
	return s
}

// write puts p at off. p is not kept after write returns.
func (s *sequencer) write(p []byte, off int64) error {
	_, err := s.put(p, off, nil)
	return err
}

// give is write for p living in *bp, a buffer from heldBuf: a piece held
// keeps bp instead of a copy, and kept tells the caller to take another
// buffer for its next read.
func (s *sequencer) give(bp *[]byte, p []byte, off int64) (kept bool, err error) {
	return s.put(p, off, bp)
}

func (s *sequencer) put(p []byte, off int64, bp *[]byte) (kept bool, err error) {
	n := int64(len(p))
	s.mu.Lock()
	for s.ordered {
		if off == s.next && !s.appending {
			s.appending = true
			s.next += n
			s.mu.Unlock()
			return false, s.appendRun(p)
		}
		// At next while another write appends: that appender takes it.
		if off < s.next || s.overlaps(off, n) {
			break
		}
		if heldTotal.Add(n) <= maxHeld {
			s.held = append(s.held, hold(p, off, bp))
			s.heldLen += n
			s.mu.Unlock()
			return bp != nil, nil
		}
		heldTotal.Add(-n)
		if err := s.spillLocked(p, off); err == nil {
			s.mu.Unlock()
			return false, nil
		}
		// No spill file: write at the offset (the commit hashes again).
		break
	}
	defer s.mu.Unlock()
	if err := s.disorderLocked(); err != nil {
		return false, err
	}
	_, err = s.b.WriteAt(p, off)
	return false, err
}

// appendRun appends p, already claimed (next counts it), then the held
// pieces the prefix reaches, and ends appending. It appends through
// ReadFrom, which also starts the disk write-out as data arrives (less
// for the commit's sync to wait for). A failed append leaves the blob
// shorter than next: later writes then go in at their offsets.
func (s *sequencer) appendRun(p []byte) error {
	r := &run{s: s, cur: piece{p: p}}
	for {
		_, err := s.b.ReadFrom(r)
		r.cur.release()
		r.cur = piece{}
		s.mu.Lock()
		if err == nil && s.ordered {
			if h, ok := s.claimLocked(); ok {
				// Held while ReadFrom was ending.
				s.mu.Unlock()
				r.cur = h
				continue
			}
		}
		if err != nil {
			s.ordered = false
		}
		s.appending = false
		s.idle.Broadcast()
		s.mu.Unlock()
		return err
	}
}

// claimLocked takes the held piece at next, if any, for the appender.
// Caller holds mu.
func (s *sequencer) claimLocked() (piece, bool) {
	for i, h := range s.held {
		if h.off == s.next {
			s.held = append(s.held[:i], s.held[i+1:]...)
			n := h.size()
			if h.spilled == 0 {
				s.heldLen -= n
				heldTotal.Add(-n)
			}
			s.next += n
			s.idle.Broadcast() // memory freed for writes waiting to hold
			return h, true
		}
	}
	return piece{}, false
}

// run reads the appender's pieces in order: the current one, then each
// held piece at next, until there is none (or the sequencer gave up
// ordering). A consumed piece's buffer goes back to heldBufs at once:
// ReadFrom copies what it reads.
type run struct {
	s   *sequencer
	cur piece
}

func (r *run) Read(p []byte) (int, error) {
	if len(r.cur.p) == 0 && r.cur.spilled == 0 {
		r.cur.release()
		r.cur = piece{}
		r.s.mu.Lock()
		h, ok := piece{}, false
		if r.s.ordered {
			h, ok = r.s.claimLocked()
		}
		r.s.mu.Unlock()
		if !ok {
			return 0, io.EOF
		}
		r.cur = h
	}
	if r.cur.spilled > 0 {
		// Read back from the spill file (the page cache, as a rule).
		m := int(min(int64(len(p)), r.cur.spilled))
		n, err := r.s.spill.ReadAt(p[:m], r.cur.off)
		r.cur.off += int64(n)
		r.cur.spilled -= int64(n)
		if err != nil && n < m {
			return n, fmt.Errorf("read spilled piece: %w", err)
		}
		if r.cur.spilled == 0 {
			r.cur.p = nil // done: the next Read claims the next piece
		}
		return n, nil
	}
	n := copy(p, r.cur.p)
	r.cur.p = r.cur.p[n:]
	return n, nil
}

// overlaps reports whether [off, off+n) meets a held piece. Caller holds mu.
func (s *sequencer) overlaps(off, n int64) bool {
	for _, h := range s.held {
		if off < h.off+h.size() && h.off < off+n {
			return true
		}
	}
	return false
}

// spillLocked holds p at off in the spill file (made on first use).
// Caller holds mu.
func (s *sequencer) spillLocked(p []byte, off int64) error {
	if s.spill == nil {
		f, err := os.CreateTemp(s.b.Dir(), "spill-*")
		if err != nil {
			return err
		}
		// Unlinked at once: nothing is left behind whatever happens to
		// the upload; the space goes with the last descriptor.
		_ = os.Remove(f.Name())
		s.spill = f
	}
	if _, err := s.spill.WriteAt(p, off); err != nil {
		return err
	}
	s.held = append(s.held, piece{off: off, spilled: int64(len(p))})
	return nil
}

// bytesOf is a held piece's content: p, or read back from the spill file.
func (s *sequencer) bytesOf(h piece) ([]byte, error) {
	if h.spilled == 0 {
		return h.p, nil
	}
	b := make([]byte, h.spilled)
	if _, err := s.spill.ReadAt(b, h.off); err != nil {
		return nil, fmt.Errorf("read spilled piece: %w", err)
	}
	return b, nil
}

// disorderLocked stops ordering, waits for the appender to finish its
// piece, and writes every held piece at its offset, in arrival order (a
// later piece at the same place wins, as on disk). Caller holds mu.
func (s *sequencer) disorderLocked() error {
	s.ordered = false
	for s.appending {
		s.idle.Wait()
	}
	for len(s.held) > 0 {
		h := s.held[0]
		s.held = s.held[1:]
		if h.spilled == 0 {
			s.heldLen -= int64(len(h.p))
			heldTotal.Add(-int64(len(h.p)))
		}
		p, err := s.bytesOf(h)
		if err == nil {
			_, err = s.b.WriteAt(p, h.off)
		}
		h.release()
		if err != nil {
			return err
		}
	}
	s.held = nil
	return nil
}

// flush waits for the appender and puts every held piece in the blob, so
// that reading the blob's file sees all writes.
func (s *sequencer) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.appending {
		s.idle.Wait()
	}
	if len(s.held) == 0 {
		return nil
	}
	return s.disorderLocked()
}

// drop forgets the held pieces (the blob is discarded or committed).
func (s *sequencer) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	heldTotal.Add(-s.heldLen)
	for _, h := range s.held {
		h.release()
	}
	s.held, s.heldLen = nil, 0
	if s.spill != nil {
		_ = s.spill.Close() // unlinked already
		s.spill = nil
	}
}

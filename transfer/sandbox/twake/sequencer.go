package twake

import (
	"bytes"
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

// maxHeld bounds the bytes all sequencers hold in memory together: three
// 50 MB chunks (four in flight, one appending) and some margin.
const maxHeld = 192 << 20

var heldTotal atomic.Int64

// piece is held data: p belongs at off.
type piece struct {
	off int64
	p   []byte
}

// sequencer writes to one assembly blob. Its methods are safe for
// concurrent use; every write to the blob goes through it.
type sequencer struct {
	b *sandbox.Blob

	mu      sync.Mutex
	next    int64   // end of the appended prefix
	held    []piece // waiting for next to reach them, in arrival order
	heldLen int64
	ordered bool // false once a write went in at its offset
}

func newSequencer(b *sandbox.Blob) *sequencer {
	return &sequencer{b: b, next: b.Size(), ordered: true}
}

// write puts p at off.
func (s *sequencer) write(p []byte, off int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ordered && off == s.next {
		if err := s.appendLocked(p); err != nil {
			return err
		}
		return s.drainLocked()
	}
	n := int64(len(p))
	if s.ordered && off > s.next && !s.overlaps(off, n) {
		if heldTotal.Add(n) <= maxHeld {
			s.held = append(s.held, piece{off: off, p: bytes.Clone(p)})
			s.heldLen += n
			return nil
		}
		heldTotal.Add(-n)
	}
	if err := s.disorderLocked(); err != nil {
		return err
	}
	_, err := s.b.WriteAt(p, off)
	return err
}

// appendLocked appends through ReadFrom, which also starts the disk
// write-out as data arrives (less for the commit's sync to wait for).
func (s *sequencer) appendLocked(p []byte) error {
	n, err := s.b.ReadFrom(bytes.NewReader(p))
	s.next += n
	return err
}

// overlaps reports whether [off, off+n) meets a held piece. Caller holds mu.
func (s *sequencer) overlaps(off, n int64) bool {
	for _, h := range s.held {
		if off < h.off+int64(len(h.p)) && h.off < off+n {
			return true
		}
	}
	return false
}

// drainLocked appends the held pieces the prefix has reached.
func (s *sequencer) drainLocked() error {
	for moved := true; moved; {
		moved = false
		for i, h := range s.held {
			if h.off != s.next {
				continue
			}
			s.dropHeld(i)
			if err := s.appendLocked(h.p); err != nil {
				return err
			}
			moved = true
			break
		}
	}
	return nil
}

func (s *sequencer) dropHeld(i int) {
	n := int64(len(s.held[i].p))
	s.held = append(s.held[:i], s.held[i+1:]...)
	s.heldLen -= n
	heldTotal.Add(-n)
}

// disorderLocked writes every held piece at its offset, in arrival order
// (a later piece at the same place wins, as on disk), and stops holding.
func (s *sequencer) disorderLocked() error {
	s.ordered = false
	for len(s.held) > 0 {
		h := s.held[0]
		s.dropHeld(0)
		if _, err := s.b.WriteAt(h.p, h.off); err != nil {
			return err
		}
	}
	return nil
}

// flush puts every held piece in the blob, so that reading the blob's
// file sees all writes.
func (s *sequencer) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
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
	s.held, s.heldLen = nil, 0
}

package twake

import (
	"sync"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// The sequencer writes every piece of an assembly at its offset as it
// arrives, whatever the order chunks sent in parallel arrive in. It once
// held pieces ahead of the appended prefix in memory (or a spill file) to
// keep the writes appends for a checksum computed as bytes arrived; the
// store now computes sums on first need (transfer/sandbox/sum.go), so a
// piece is written once, straight to its place, and nothing is held.
// Blob.WriteAt also starts the disk write-out as the bytes arrive.
type sequencer struct {
	b *sandbox.Blob
}

func newSequencer(b *sandbox.Blob) *sequencer {
	return &sequencer{b: b}
}

// write puts p at off. p is not kept after write returns.
func (s *sequencer) write(p []byte, off int64) error {
	_, err := s.b.WriteAt(p, off)
	return err
}

// give is write for p living in *bp, a buffer from heldBuf; kept tells
// the caller whether to take another buffer for its next read (never
// now: nothing is held).
func (s *sequencer) give(_ *[]byte, p []byte, off int64) (kept bool, err error) {
	return false, s.write(p, off)
}

// flush makes every write visible to readers of the blob's file: they
// all are once written.
func (s *sequencer) flush() error { return nil }

// drop forgets what the sequencer holds (the blob is discarded or
// committed): nothing.
func (s *sequencer) drop() {}

// heldBufs keeps copyBufSize read buffers of chunk bodies for the next
// requests.
var heldBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

func heldBuf() *[]byte { return heldBufs.Get().(*[]byte) }

// piece is a read buffer on its way back to heldBufs.
type piece struct{ buf *[]byte }

// release gives the buffer back for reuse.
func (h piece) release() {
	if h.buf != nil {
		heldBufs.Put(h.buf)
	}
}

package transfer

import (
	"context"
	"errors"
	"io"
	"sync/atomic"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// errFileChanged marks an upload whose local file no longer matches the
// plan (it shrank under a chunk, or its size or mtime moved before Finish).
// The job restarts cleanly instead of sending a mix of two versions.
var errFileChanged = errors.New("the file changed during the upload")

// readSlice bounds one Read, so progress stays smooth and the watchdog
// sees steady progress; under a bandwidth limit a Read is smaller still
// (bandwidth.slice).
const readSlice = 32 << 10

// chunkReader is the body of one chunk attempt: a SectionReader over the
// open file (a retry builds a new one and so re-reads from disk), with the
// shared bandwidth limit, progress counting and the stall watchdog's
// heartbeat. It is used by one goroutine (the provider's PutChunk).
type chunkReader struct {
	ctx   context.Context
	sr    *io.SectionReader
	size  int64
	pos   int64
	bw    *bandwidth
	done  *atomic.Int64 // the job's bytes-done counter
	high  int64         // bytes credited to done by this attempt
	touch func()        // watchdog heartbeat
	short atomic.Bool   // the file ended before the chunk did
	off   int64         // the chunk's offset in the file
	sum   *seqHash      // the upload's content hash, fed in file order; may be nil
	// gate, when not nil, is the previous chunk's save running behind:
	// the chunk's last byte is held back until it is durable (see
	// provider.Capabilities.IncompleteChunkNotStored).
	gate *behindSave
}

func newChunkReader(ctx context.Context, f io.ReaderAt, off, size int64, bw *bandwidth, done *atomic.Int64, touch func()) *chunkReader {
	return &chunkReader{ctx: ctx, sr: io.NewSectionReader(f, off, size), size: size, bw: bw, done: done, touch: touch, off: off}
}

// Read reads at most bandwidth.slice bytes, then waits for their tokens.
// A file shorter than the chunk yields errFileChanged instead of io.EOF,
// so the provider never sends a short body as if it were complete.
func (r *chunkReader) Read(p []byte) (int, error) {
	if m := r.bw.slice(); len(p) > m {
		p = p[:m]
	}
	if r.gate != nil {
		if hold := r.size - 1 - r.pos; int64(len(p)) > hold {
			if hold > 0 {
				p = p[:hold] // up to the last byte: the wait comes with it
			} else {
				if err := r.gate.wait(r.ctx); err != nil {
					return 0, err
				}
				r.gate = nil
				r.touch() // waiting for the save is not a stall
			}
		}
	}
	n, err := r.sr.Read(p)
	if n > 0 {
		// Waiting for tokens is not a stall.
		r.touch()
		if werr := r.bw.wait(r.ctx, n); werr != nil {
			return 0, werr
		}
		r.sum.feed(r.off+r.pos, p[:n])
		r.pos += int64(n)
		if r.pos > r.high {
			r.done.Add(r.pos - r.high)
			r.high = r.pos
		}
		r.touch()
	}
	if errors.Is(err, io.EOF) && r.pos < r.size {
		r.short.Store(true)
		return n, errFileChanged
	}
	return n, err
}

// Seek rewinds for a provider's own resend; bytes already counted are not
// counted twice.
func (r *chunkReader) Seek(offset int64, whence int) (int64, error) {
	pos, err := r.sr.Seek(offset, whence)
	if err == nil {
		r.pos = pos
	}
	return pos, err
}

// uncount takes back the progress of a failed attempt.
func (r *chunkReader) uncount() { r.done.Add(-r.high) }

// behindSave is the session save of an acknowledged chunk running while
// the next chunk is sent (provider.Capabilities.IncompleteChunkNotStored),
// or of the session Begin made (trail, see beginSaveMayTrail).
type behindSave struct {
	done chan struct{} // closed once err is set; nil for a trail
	err  error
	// trail is the save after Begin, which no chunk waits for: it may
	// wait for company in the queue until send settles it.
	trail *queue.PatientWrite
}

// chunkGate is b when the next chunk's last byte must wait for it, else
// nil (also for a nil b).
func (b *behindSave) chunkGate() *behindSave {
	if b == nil || b.trail != nil {
		return nil
	}
	return b
}

// wait returns the save's error once it ended, or ctx's error first.
func (b *behindSave) wait(ctx context.Context) error {
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// failed returns the save's error if it ended with one, without waiting;
// nil for a nil b.
func (b *behindSave) failed() error {
	if b == nil {
		return nil
	}
	select {
	case <-b.done:
		return b.err
	default:
		return nil
	}
}

package twake

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// One-pass assembly (issue #10). Storing every chunk as its own object and
// concatenating them into the file once complete wrote, synced and hashed
// every byte twice. Every chunk but the last has the same size (the
// client's chunk size), so chunk n belongs at (n-1)×stride of the file:
// a chunk whose place is known is written there directly, into one blob
// per file (the assembly), and the assembly becomes the file's content
// with a single commit (one sync, one hash). The chunk objects of the
// notes' storage model are then regions of that blob; the observable
// behaviour (completion rules, download, answers) is unchanged.
//
// The stride comes from the first non-last chunk stored, or from the
// resumableChunkSize the official client sends (the real server ignores
// it, so it is only a hint: a chunk whose size does not match its region
// is stored as a separate object like before, and the completion check
// never trusts the layout without verifying every offset). A chunk is
// absent from the moment its region starts being rewritten, like a chunk
// file the real storage truncates on open, so the assembly is never
// committed while a region is being written.

// copyBufSize is the read size of a chunk body (multipart parts yield 4 KiB
// per Read; batching them saves a write call each).
const copyBufSize = 256 << 10

// region is one chunk being written into its file's assembly.
type region struct {
	n          int
	off, limit int64 // limit < 0: no bound (a single-chunk file)
	total      int64 // the plan the region assumed: total_size ...
	chunks     int   // ... and total_chunks
	asm        *sandbox.Blob
	seq        *sequencer
	written    int64         // bytes written at off
	spill      *sandbox.Blob // the chunk's bytes once they overflowed the region
}

// hint reads resumableChunkSize (notes §1.4); 0 when absent or invalid.
func hint(q url.Values) int64 {
	v, err := strconv.ParseInt(q.Get(qResumableChunkSize), 10, 64)
	if err != nil || v <= 0 {
		return 0
	}
	return v
}

// openRegion reserves chunk p.ChunkNumber's place in f's assembly, or
// returns nil when the place is unknown (no stride yet, a chunk of another
// plan, a number outside 1..N, the same chunk already being written): the
// chunk is then received as a separate object. It takes f.mu.
func (a *API) openRegion(f *file, p params, stride int64) (*region, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted || a.planRefusal(f, p) != "" {
		return nil, nil // staged: the refusal then discards it, nothing stored is touched
	}
	total, chunks := p.TotalSize, p.TotalChunks
	if f.uploadData != nil && (f.uploadData.Size != total || f.uploadData.Chunks != chunks) {
		return nil, nil
	}
	n := p.ChunkNumber
	if n < 1 || n > chunks || f.writing[n] || total < 0 {
		return nil, nil
	}
	rg := &region{n: n, limit: -1, total: total, chunks: chunks}
	if chunks > 1 {
		s := f.stride
		if s == 0 {
			s = stride
		}
		if s <= 0 || s > total/int64(chunks-1) || int64(chunks-1)*s >= total {
			return nil, nil
		}
		f.stride = s
		rg.off, rg.limit = int64(n-1)*s, s
		if n == chunks {
			rg.limit = total - rg.off
		}
	}
	if f.asm == nil {
		b, err := a.newAssembly(f)
		if err != nil {
			return nil, err
		}
		f.asm, f.seq = b, newSequencer(b)
	}
	if old, ok := f.chunks.get(n); ok && !old.inAsm {
		// Replaced by the chunk about to be written in place.
		if err := a.env.Store.Delete(Name, old.node); err != nil {
			return nil, fmt.Errorf("replace chunk %d: %w", n, err)
		}
	}
	rg.asm, rg.seq = f.asm, f.seq
	f.chunks.del(n)
	if f.writing == nil {
		f.writing = map[int]bool{}
	}
	f.writing[n] = true
	return rg, nil
}

// doneWriting ends chunk n's write, dropping the map with the last one:
// the entity of a finished file keeps no map. Caller holds f.mu.
func doneWriting(f *file, n int) {
	delete(f.writing, n)
	if len(f.writing) == 0 {
		f.writing = nil
	}
}

// newAssembly starts f's assembly: empty, or a copy of the file's content
// when the file was assembled before (a chunk re-sent after completion).
// Caller holds f.mu.
func (a *API) newAssembly(f *file) (*sandbox.Blob, error) {
	b, err := a.env.Store.NewBlob()
	if err != nil {
		return nil, err
	}
	if !f.inNode {
		return b, nil
	}
	src, err := a.env.Store.Open(Name, f.node)
	if err != nil {
		b.Discard()
		return nil, fmt.Errorf("copy the assembled file: %w", err)
	}
	_, err = b.ReadFrom(src)
	src.Close()
	if err != nil {
		b.Discard()
		return nil, fmt.Errorf("copy the assembled file: %w", err)
	}
	return b, nil
}

// fillRegion writes the chunk body r into the region, or into a spill blob
// once it turns out larger than the region. It returns the bytes read.
//
// Its buffers come from heldBufs: a piece the sequencer holds keeps its
// buffer (no copy), and the next read goes into another one.
func (a *API) fillRegion(rg *region, r io.Reader) (int64, error) {
	bp := heldBuf()
	defer func() { piece{buf: bp}.release() }()
	var total int64
	for {
		n, rerr := io.ReadFull(r, *bp)
		if n > 0 {
			kept, err := a.writeRegion(rg, bp, (*bp)[:n])
			if err != nil {
				return total, err
			}
			if kept {
				bp = heldBuf()
			}
			total += int64(n)
		}
		switch {
		case rerr == nil:
		case errors.Is(rerr, io.EOF), errors.Is(rerr, io.ErrUnexpectedEOF):
			return total, nil
		default:
			return total, rerr
		}
	}
}

// writeRegion writes p, which lives in *bp, into the region; kept means
// the sequencer kept bp (see sequencer.give).
func (a *API) writeRegion(rg *region, bp *[]byte, p []byte) (kept bool, err error) {
	if rg.spill != nil {
		_, err := rg.spill.Write(p)
		return false, err
	}
	k := int64(len(p))
	if rg.limit >= 0 {
		k = min(k, rg.limit-rg.written)
	}
	if k == int64(len(p)) && k > 0 {
		kept, err = rg.seq.give(bp, p, rg.off+rg.written)
		if err == nil {
			rg.written += k
		}
		return kept, err
	}
	if k > 0 {
		if err := rg.seq.write(p[:k], rg.off+rg.written); err != nil {
			return false, err
		}
		rg.written += k
	}
	if k == int64(len(p)) {
		return false, nil
	}
	// Larger than its place: the chunk becomes a separate object.
	b, err := a.regionCopy(rg)
	if err != nil {
		return false, err
	}
	rg.spill = b
	_, err = b.Write(p[k:])
	return false, err
}

// regionCopy copies what the region holds into a new blob.
func (a *API) regionCopy(rg *region) (*sandbox.Blob, error) {
	if err := rg.seq.flush(); err != nil {
		return nil, fmt.Errorf("copy chunk %d out of the assembly: %w", rg.n, err)
	}
	b, err := a.env.Store.NewBlob()
	if err != nil {
		return nil, err
	}
	all, err := rg.asm.Reader()
	if err == nil {
		_, err = b.ReadFrom(io.NewSectionReader(all, rg.off, rg.written))
	}
	if err != nil {
		b.Discard()
		return nil, fmt.Errorf("copy chunk %d out of the assembly: %w", rg.n, err)
	}
	return b, nil
}

// closeRegion ends a region after its body was read, under f.mu. It
// records the chunk as part of the assembly and returns nil, or returns
// the blob holding the chunk as a separate object when it did not fit
// (wrong size, or the plan changed meanwhile).
func (a *API) closeRegion(f *file, rg *region) (*sandbox.Blob, error) {
	doneWriting(f, rg.n)
	if err := settleHeld(f); err != nil {
		return nil, err
	}
	if rg.spill != nil {
		return rg.spill, nil
	}
	if f.asm != rg.asm {
		return nil, errors.New("the assembly was replaced while a chunk was written")
	}
	fits := (rg.limit < 0 || rg.written == rg.limit) && f.uploadData != nil &&
		f.uploadData.Size == rg.total && f.uploadData.Chunks == rg.chunks
	if !fits {
		return a.regionCopy(rg)
	}
	if old, ok := f.chunks.get(rg.n); ok && !old.inAsm {
		// A concurrent send of the same chunk was stored apart first.
		if err := a.env.Store.Delete(Name, old.node); err != nil {
			return nil, fmt.Errorf("replace chunk %d: %w", rg.n, err)
		}
	}
	f.chunks.set(rg.n, chunk{inAsm: true, off: rg.off, size: rg.written})
	return nil, nil
}

// dropRegion gives up a region whose body broke off: the chunk stays
// absent. Caller holds f.mu.
func dropRegion(f *file, rg *region) {
	doneWriting(f, rg.n)
	// A failed write here surfaces again when the file is assembled.
	_ = settleHeld(f)
	if rg.spill != nil {
		rg.spill.Discard()
	}
}

// settleHeld writes out the pieces f's sequencer holds once no chunk of f
// is being written: nothing in flight can then bring the appended prefix
// to them (a chunk before them failed or was never sent), and an upload
// given up must not keep memory. Caller holds f.mu.
func settleHeld(f *file) error {
	if len(f.writing) > 0 || f.seq == nil {
		return nil
	}
	return f.seq.flush()
}

// seqWriter writes consecutive bytes through a sequencer from off on.
type seqWriter struct {
	s   *sequencer
	off int64
}

func (w *seqWriter) Write(p []byte) (int, error) {
	if err := w.s.write(p, w.off); err != nil {
		return 0, err
	}
	w.off += int64(len(p))
	return len(p), nil
}

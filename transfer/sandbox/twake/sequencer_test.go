package twake

import (
	"crypto/sha256"
	"encoding/hex"
	"runtime"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// seqCase writes pieces of data (start, end) through a sequencer in the
// given order, commits the blob and returns the stored node and whether
// the writes stayed appends.
func seqCase(t *testing.T, data []byte, order [][2]int) (*sandbox.Store, sandbox.Node, bool) {
	t.Helper()
	st, b, s := newSeq(t)
	for _, r := range order {
		if err := s.write(data[r[0]:r[1]], int64(r[0])); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.flush(); err != nil {
		t.Fatal(err)
	}
	ordered := s.ordered
	if len(s.held) != 0 || s.heldLen != 0 {
		t.Fatalf("%d pieces (%d bytes) held after flush", len(s.held), s.heldLen)
	}
	s.drop()
	n, err := st.Commit("t", st.Root("t").ID, "f", b, sandbox.CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st, n, ordered
}

// newSeq is a sequencer over a fresh blob of a fresh store.
func newSeq(t *testing.T) (*sandbox.Store, *sandbox.Blob, *sequencer) {
	t.Helper()
	st, err := sandbox.NewStore(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	return st, b, newSequencer(b)
}

// commitChecked flushes s, commits its blob and checks the stored content
// is data.
func commitChecked(t *testing.T, st *sandbox.Store, b *sandbox.Blob, s *sequencer, data []byte) {
	t.Helper()
	if err := s.flush(); err != nil {
		t.Fatal(err)
	}
	s.drop()
	n, err := st.Commit("t", st.Root("t").ID, "f", b, sandbox.CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkNode(t, st, n, data)
}

// checkNode checks the stored node n against data, its sum as a Snapshot
// gives it (the store computes sums on first need).
func checkNode(t *testing.T, store *sandbox.Store, n sandbox.Node, data []byte) {
	t.Helper()
	sum := sha256.Sum256(data)
	var got string
	for _, e := range store.Snapshot("t") {
		if e.ID == n.ID {
			got = e.SHA256
		}
	}
	if n.Size != int64(len(data)) || got != hex.EncodeToString(sum[:]) {
		t.Fatalf("stored %d bytes %s, want %d bytes %x", n.Size, got, len(data), sum)
	}
}

// Pieces ahead of the appended prefix are held and appended once it
// reaches them: the content is right and no write went in out of order.
func TestSequencerReorders(t *testing.T) {
	data := content(10_000, 8)
	st, n, ordered := seqCase(t, data, [][2]int{{3000, 4000}, {6000, 10_000}, {1000, 2000}, {0, 1000}, {4000, 6000}, {2000, 3000}})
	checkNode(t, st, n, data)
	if !ordered {
		t.Fatal("in-memory reordering gave up")
	}
}

// A piece overlapping held data or written data goes in at its offset
// (the later write wins) and the content is still right.
func TestSequencerOverlaps(t *testing.T) {
	data := content(4000, 9)
	other := content(4000, 10)
	// 2000-3000 held, then rewritten (other's bytes first, data's last).
	st, b, s := newSeq(t)
	steps := []struct {
		src        []byte
		start, end int
	}{{other, 2000, 3000}, {data, 2500, 3000}, {data, 0, 2000}, {data, 2000, 2500}, {data, 3000, 4000}, {other, 0, 10}, {data, 0, 10}}
	for _, w := range steps {
		if err := s.write(w.src[w.start:w.end], int64(w.start)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.flush(); err != nil {
		t.Fatal(err)
	}
	if s.ordered {
		t.Fatal("overlapping writes kept the sequencer ordered")
	}
	commitChecked(t, st, b, s, data)
}

// Past maxHeld, pieces are spilled to a file instead of held in memory,
// and still appended in order when the prefix reaches them: memory stays
// bounded, the running checksum holds and the content is right (issue 20:
// the sandbox reached 240 MiB during a 1 GiB upload of four parallel
// chunks when it held them in memory).
func TestSequencerSpillsPastCap(t *testing.T) {
	heldTotal.Add(maxHeld) // as if other uploads held everything
	defer heldTotal.Add(-maxHeld)
	data := content(10_000, 11)
	st, b, s := newSeq(t)
	for _, r := range [][2]int{{6000, 10_000}, {2000, 4000}, {4000, 6000}} {
		if err := s.write(data[r[0]:r[1]], int64(r[0])); err != nil {
			t.Fatal(err)
		}
	}
	if !s.ordered || len(s.held) != 3 || s.heldLen != 0 || s.spill == nil {
		t.Fatalf("ordered %v, %d pieces, %d bytes in memory, spill file %v: want 3 pieces spilled, none in memory",
			s.ordered, len(s.held), s.heldLen, s.spill != nil)
	}
	if err := s.write(data[:2000], 0); err != nil {
		t.Fatal(err)
	}
	if !s.ordered || len(s.held) != 0 {
		t.Fatalf("ordered %v, %d pieces held after the prefix arrived", s.ordered, len(s.held))
	}
	commitChecked(t, st, b, s, data)
}

// A spilled piece still goes in at its offset when ordering is given up.
func TestSequencerSpilledDisorder(t *testing.T) {
	heldTotal.Add(maxHeld)
	defer heldTotal.Add(-maxHeld)
	data := content(3000, 12)
	st, b, s := newSeq(t)
	for _, r := range [][2]int{{2000, 3000}, {1500, 2500}, {0, 2000}} { // the second overlaps the first
		if err := s.write(data[r[0]:r[1]], int64(r[0])); err != nil {
			t.Fatal(err)
		}
	}
	if s.ordered {
		t.Fatal("overlapping writes kept the sequencer ordered")
	}
	commitChecked(t, st, b, s, data)
}

// Regions written concurrently, as parallel chunks are, end up in place
// and the writes stay appends (the blob's running checksum holds): the
// appender takes the pieces parked by the others.
func TestSequencerConcurrentRegions(t *testing.T) {
	const regions, size, step = 4, 1 << 20, 48 << 10 // step does not divide size
	data := content(regions*size, 12)
	st, b, s := newSeq(t)
	errs := make(chan error, regions)
	for r := range regions {
		go func() {
			for off := r * size; off < (r+1)*size; off += step {
				end := min(off+step, (r+1)*size)
				if err := s.write(data[off:end], int64(off)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range regions {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.flush(); err != nil {
		t.Fatal(err)
	}
	if !s.ordered || len(s.held) != 0 || s.heldLen != 0 {
		t.Fatalf("ordered %v, %d pieces (%d bytes) held after flush", s.ordered, len(s.held), s.heldLen)
	}
	commitChecked(t, st, b, s, data)
}

// A piece that gives up ordering while another write appends waits for
// that append: the content is right whatever the interleaving.
func TestSequencerDisorderDuringAppend(t *testing.T) {
	const piece, pieces = 64 << 10, 16
	data := content(2*piece*pieces, 13)
	other := content(2*piece*pieces, 14)
	half := piece * pieces
	for range 20 {
		st, b, s := newSeq(t)
		done := make(chan error, 1)
		go func() {
			// The first half backwards: the last write appends all of it.
			for i := pieces - 1; i >= 0; i-- {
				if err := s.write(data[i*piece:(i+1)*piece], int64(i*piece)); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		// Wait (boundedly) until that append runs.
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
			s.mu.Lock()
			busy := s.appending
			s.mu.Unlock()
			if busy {
				break
			}
			runtime.Gosched()
		}
		// The second half, first with other's bytes, then rewritten: the
		// rewrite overlaps the held piece and forces offsets.
		if err := s.write(other[half:], int64(half)); err != nil {
			t.Fatal(err)
		}
		if err := s.write(data[half:], int64(half)); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		commitChecked(t, st, b, s, data)
	}
}

// give keeps the buffer of a piece it holds (the caller reads on into
// another) and not of one it appends; the content is right either way.
func TestSequencerGiveKeepsHeldBuffers(t *testing.T) {
	const piece, pieces = copyBufSize, 4
	data := content(piece*pieces, 15)
	st, b, s := newSeq(t)
	for i := pieces - 1; i >= 0; i-- {
		bp := heldBuf()
		p := (*bp)[:copy(*bp, data[i*piece:(i+1)*piece])]
		kept, err := s.give(bp, p, int64(i*piece))
		if err != nil {
			t.Fatal(err)
		}
		if want := i > 0; kept != want {
			t.Fatalf("piece %d: kept %v, want %v", i, kept, want)
		}
		if !kept {
			copy(*bp, data[:piece]) // reused at once, as fillRegion does
		}
	}
	if err := s.flush(); err != nil {
		t.Fatal(err)
	}
	if !s.ordered {
		t.Fatal("in-memory reordering gave up")
	}
	commitChecked(t, st, b, s, data)
}

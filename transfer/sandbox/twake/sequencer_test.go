package twake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// seqCase writes pieces of data (start, end) through a sequencer in the
// given order and checks the committed content is data.
func seqCase(t *testing.T, data []byte, order [][2]int) {
	t.Helper()
	st, b, s := newSeq(t)
	for _, r := range order {
		if err := s.write(data[r[0]:r[1]], int64(r[0])); err != nil {
			t.Fatal(err)
		}
	}
	commitChecked(t, st, b, s, data)
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

// Pieces in any order make the right content.
func TestSequencerReorders(t *testing.T) {
	seqCase(t, content(10_000, 8), [][2]int{{3000, 4000}, {6000, 10_000}, {1000, 2000}, {0, 1000}, {4000, 6000}, {2000, 3000}})
}

// A piece overlapping written data goes in at its offset (the later
// write wins) and the content is right.
func TestSequencerOverlaps(t *testing.T) {
	data := content(4000, 9)
	other := content(4000, 10)
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
	commitChecked(t, st, b, s, data)
}

// A piece is in the blob's file as soon as write returns, whatever the
// order: nothing is held in memory or spilled to be written later, and no
// byte is written twice (the sums are the store's, on first need). Before
// lazy sums, pieces ahead of the prefix were held until it reached them.
func TestSequencerWritesInPlaceAtOnce(t *testing.T) {
	data := content(3*copyBufSize, 11)
	_, b, s := newSeq(t)
	for _, r := range [][2]int{{2 * copyBufSize, 3 * copyBufSize}, {copyBufSize, 2 * copyBufSize}} {
		if err := s.write(data[r[0]:r[1]], int64(r[0])); err != nil {
			t.Fatal(err)
		}
		rd, err := b.Reader()
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, r[1]-r[0])
		if _, err := rd.ReadAt(got, int64(r[0])); err != nil || !bytes.Equal(got, data[r[0]:r[1]]) {
			t.Fatalf("bytes %d-%d are not in the blob after write returned (%v)", r[0], r[1], err)
		}
	}
}

// Regions written concurrently, as parallel chunks are, end up in place.
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
	commitChecked(t, st, b, s, data)
}

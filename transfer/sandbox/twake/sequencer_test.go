package twake

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// seqCase writes pieces of data (start, end) through a sequencer in the
// given order, commits the blob and returns the stored node and whether
// the writes stayed appends.
func seqCase(t *testing.T, data []byte, order [][2]int) (sandbox.Node, bool) {
	t.Helper()
	st, err := sandbox.NewStore(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	s := newSequencer(b)
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
	return n, ordered
}

func checkNode(t *testing.T, st sandbox.Node, data []byte) {
	t.Helper()
	sum := sha256.Sum256(data)
	if st.Size != int64(len(data)) || st.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("stored %d bytes %s, want %d bytes %x", st.Size, st.SHA256, len(data), sum)
	}
}

// Pieces ahead of the appended prefix are held and appended once it
// reaches them: the content is right and no write went in out of order.
func TestSequencerReorders(t *testing.T) {
	data := content(10_000, 8)
	n, ordered := seqCase(t, data, [][2]int{{3000, 4000}, {6000, 10_000}, {1000, 2000}, {0, 1000}, {4000, 6000}, {2000, 3000}})
	checkNode(t, n, data)
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
	st, err := sandbox.NewStore(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	s := newSequencer(b)
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
	s.drop()
	n, err := st.Commit("t", st.Root("t").ID, "f", b, sandbox.CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkNode(t, n, data)
}

// Past maxHeld, pieces go in at their offsets instead of being held.
func TestSequencerCap(t *testing.T) {
	heldTotal.Add(maxHeld) // as if other uploads held everything
	defer heldTotal.Add(-maxHeld)
	data := content(3000, 11)
	st, err := sandbox.NewStore(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	s := newSequencer(b)
	for _, r := range [][2]int{{2000, 3000}, {0, 2000}} {
		if err := s.write(data[r[0]:r[1]], int64(r[0])); err != nil {
			t.Fatal(err)
		}
	}
	if s.ordered || len(s.held) != 0 {
		t.Fatalf("ordered %v with %d pieces held beyond the cap", s.ordered, len(s.held))
	}
	rd, err := b.Reader()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(data) {
		t.Fatal("content differs")
	}
	b.Discard()
}

package sandbox

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestBlobReadFromKeepsPrefixAndError: a body read in small pieces that
// breaks off keeps every byte received before the break, reports the
// body's own error (not io.ErrUnexpectedEOF), and a later clean body
// appends in full.
func TestBlobReadFromKeepsPrefixAndError(t *testing.T) {
	s := newTestStore(t)
	b, err := s.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Discard()
	data := bytes.Repeat([]byte("0123456789abcdef"), 40_000) // 640,000 bytes: more than two buffers
	broken := errors.New("connection reset")
	cut := 300_001
	body := io.MultiReader(iotest.OneByteReader(bytes.NewReader(data[:7])), bytes.NewReader(data[7:cut]), iotest.ErrReader(broken))
	n, err := b.ReadFrom(body)
	if !errors.Is(err, broken) || n != int64(cut) || b.Size() != int64(cut) {
		t.Fatalf("ReadFrom = %d, %v (size %d), want %d, %v", n, err, b.Size(), cut, broken)
	}
	n, err = b.ReadFrom(bytes.NewReader(data[cut:]))
	if err != nil || n != int64(len(data)-cut) {
		t.Fatalf("second ReadFrom = %d, %v, want %d, nil", n, err, len(data)-cut)
	}
	r, err := b.Reader()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("blob holds %d bytes (%v), want the %d sent in order", len(got), err, len(data))
	}
}

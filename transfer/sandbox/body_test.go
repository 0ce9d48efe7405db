package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestBufferBody: the buffered body yields the same bytes and then the
// body's own error, with a buffer no larger than needed.
func TestBufferBody(t *testing.T) {
	data := bytes.Repeat([]byte("body"), 100_000)
	cut := errors.New("connection cut")
	r := BufferBody(io.MultiReader(bytes.NewReader(data), iotest.ErrReader(cut)), -1)
	got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(r, 10)))
	if err != nil || string(got) != "bodybodybo" {
		t.Fatalf("first bytes %q, %v", got, err)
	}
	rest, err := io.ReadAll(r)
	if !errors.Is(err, cut) || !bytes.Equal(append(got, rest...), data) {
		t.Fatalf("read %d bytes then %v, want %d then %v", len(got)+len(rest), err, len(data), cut)
	}
	for _, c := range []struct{ length, want int64 }{{-1, 256 << 10}, {10, 4 << 10}, {100_000, 100_000}, {1 << 30, 256 << 10}} {
		if n := BufferBody(bytes.NewReader(nil), c.length).(*bufio.Reader).Size(); int64(n) != c.want {
			t.Errorf("buffer for length %d: %d bytes, want %d", c.length, n, c.want)
		}
	}
}

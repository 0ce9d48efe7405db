package selfcommunity

import (
	"bytes"
	"crypto/md5"
	"errors"
	"hash"
	"io"
	"runtime"
	"testing"
	"testing/iotest"
)

func TestHashingReaderHashesWhatItServes(t *testing.T) {
	for _, n := range []int{0, 1, hashPiece - 1, hashPiece, hashPiece + 1, 3*hashPiece + 17} {
		data := randomData(n, byte(n)+1)
		h := md5.New()
		h.Write([]byte("earlier parts "))
		hr := newHashingReader(iotest.OneByteReader(bytes.NewReader(data)), h, int64(n))
		var out bytes.Buffer
		// Small reads, as a multipart writer's copy makes them.
		if _, err := io.CopyBuffer(&out, struct{ io.Reader }{hr}, make([]byte, 1000)); err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if served := hr.Close(); served != int64(n) {
			t.Fatalf("%d bytes: Close says %d served", n, served)
		}
		want := md5.Sum(append([]byte("earlier parts "), data...))
		if !bytes.Equal(out.Bytes(), data) || !bytes.Equal(h.Sum(nil), want[:]) {
			t.Fatalf("%d bytes: served or hashed bytes differ", n)
		}
	}
}

func TestHashingReaderCountsOnlyServedBytes(t *testing.T) {
	data := randomData(1000, 3)
	hr := newHashingReader(bytes.NewReader(data), md5.New(), int64(len(data)))
	p := make([]byte, 100)
	if n, err := hr.Read(p); n != 100 || err != nil {
		t.Fatalf("read %d, %v", n, err)
	}
	// The piece read ahead is hashed, but only 100 bytes reached the caller:
	// a server answering now must not count as having had the whole part.
	if served := hr.Close(); served != 100 {
		t.Fatalf("served %d, want 100", served)
	}
	if n, err := hr.Read(p); n != 0 || !errors.Is(err, errHashingClosed) {
		t.Fatalf("read after Close: %d, %v", n, err)
	}
	if hr.Close() != 100 {
		t.Fatal("a second Close changed the count")
	}
}

func TestHashingReaderPassesReadErrorsOn(t *testing.T) {
	boom := errors.New("disk gone")
	hr := newHashingReader(io.MultiReader(bytes.NewReader(make([]byte, 5000)), iotest.ErrReader(boom)), md5.New(), 6000)
	got, err := io.ReadAll(hr)
	if !errors.Is(err, boom) || len(got) != 5000 {
		t.Fatalf("read %d bytes, %v; want 5000 and the reader's error", len(got), err)
	}
	if hr.Close() != 5000 {
		t.Fatal("served count wrong after an error")
	}
}

// A part of at most one piece, or one whose MD5 is left out, is hashed as
// it is read: no goroutine and no 256 KiB buffers for a 1 KiB part (a
// tenth of a small file's CPU went to them).
func TestHashingReaderSmallPartsInline(t *testing.T) {
	for _, tc := range []struct {
		size   int64
		md5    bool
		inline bool
	}{{1024, true, true}, {hashPiece, true, true}, {hashPiece + 1, true, false}, {4 * hashPiece, false, true}} {
		data := randomData(int(tc.size), 9)
		var h hash.Hash
		if tc.md5 {
			h = md5.New()
		}
		before := runtime.NumGoroutine()
		hr := newHashingReader(bytes.NewReader(data), h, tc.size)
		if started := runtime.NumGoroutine() > before; started == tc.inline || hr.inline != tc.inline {
			t.Errorf("%d bytes, md5 %v: inline %v, a goroutine started %v", tc.size, tc.md5, hr.inline, started)
		}
		if _, err := io.Copy(io.Discard, hr); err != nil {
			t.Fatal(err)
		}
		if served := hr.Close(); served != tc.size {
			t.Fatalf("served %d of %d", served, tc.size)
		}
		if tc.md5 {
			if want := md5.Sum(data); !bytes.Equal(h.Sum(nil), want[:]) {
				t.Fatalf("%d bytes: wrong MD5", tc.size)
			}
		}
	}
}

// A big file's parts, one after another, share the hashing buffers: ten
// parts of 1 MiB allocate a few pieces' worth, not two new 256 KiB
// buffers each (35 MB per GiB before).
func TestHashingReaderReusesItsBuffers(t *testing.T) {
	if raceDetector {
		t.Skip("under -race sync.Pool drops buffers on purpose")
	}
	data := randomData(1<<20, 7)
	h := md5.New()
	part := func() {
		hr := newHashingReader(bytes.NewReader(data), h, int64(len(data)))
		if _, err := io.Copy(io.Discard, struct{ io.Reader }{hr}); err != nil {
			t.Fatal(err)
		}
		if served := hr.Close(); served != int64(len(data)) {
			t.Fatalf("Close says %d served, want %d", served, len(data))
		}
	}
	part() // the pool's first buffers
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		part()
	}
	runtime.ReadMemStats(&after)
	// A collection may empty the pool once: room for one more pair.
	if got, most := after.TotalAlloc-before.TotalAlloc, uint64(2*2*hashPiece+64<<10); got > most {
		t.Errorf("ten 1 MiB parts allocated %d bytes, want at most %d", got, most)
	}
}

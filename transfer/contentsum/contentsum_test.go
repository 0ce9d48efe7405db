package contentsum

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"runtime"
	"strings"
	"testing"
)

// TestStoredForms: a SHA-256 sum is stored as the bare digest (the form
// of every record written before BLAKE3, whose meaning must not change),
// a BLAKE3 one tagged; Of reads both back and refuses anything else.
func TestStoredForms(t *testing.T) {
	data := []byte("the quick brown fox")
	want := sha256.Sum256(data)
	s, n, err := Reader(SHA256, bytes.NewReader(data))
	if err != nil || n != int64(len(data)) || !bytes.Equal(s, want[:]) {
		t.Fatalf("SHA-256 stored as %x (%d bytes read, %v), want the bare digest %x", s, n, err, want)
	}
	if a, ok := Of(s); !ok || a != SHA256 {
		t.Fatalf("Of(SHA-256 sum) = %v, %v", a, ok)
	}
	// BLAKE3-256 of "abc", from the BLAKE3 team's reference implementation.
	const abc = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
	b, _, err := Reader(BLAKE3, strings.NewReader("abc"))
	if err != nil || len(b) != 33 || b[0] != 'b' || hex.EncodeToString(b[1:]) != abc {
		t.Fatalf("BLAKE3 stored as %x (%v), want 'b' then %s", b, err, abc)
	}
	if a, ok := Of(b); !ok || a != BLAKE3 {
		t.Fatalf("Of(BLAKE3 sum) = %v, %v", a, ok)
	}
	if !bytes.Equal(Seal(BLAKE3, b[1:]), b) || !bytes.Equal(Seal(SHA256, want[:]), want[:]) {
		t.Fatal("Seal disagrees with Reader")
	}
	for _, bad := range [][]byte{nil, {}, make([]byte, 31), append([]byte{'x'}, make([]byte, 32)...), make([]byte, 34)} {
		if a, ok := Of(bad); ok {
			t.Errorf("Of(%d bytes starting %q) = %v, want no sum", len(bad), bad[:min(1, len(bad))], a)
		}
	}
}

// TestPreferred: BLAKE3 on amd64 (its assembly), SHA-256 elsewhere.
func TestPreferred(t *testing.T) {
	want := SHA256
	if runtime.GOARCH == "amd64" {
		want = BLAKE3
	}
	if got := Preferred(); got != want {
		t.Fatalf("Preferred() = %v on %s, want %v", got, runtime.GOARCH, want)
	}
}

// BenchmarkContentSum compares the two algorithms' throughput side by side.
func BenchmarkContentSum(b *testing.B) {
	buf := make([]byte, 256<<10)
	for _, a := range []Algo{SHA256, BLAKE3} {
		b.Run(a.String(), func(b *testing.B) {
			h := a.New()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				h.Write(buf)
			}
		})
	}
}

// A hash handed back with Release, half-fed, comes out of New as new:
// the sums after it are those of their own bytes only.
func TestReleasedHashStartsAfresh(t *testing.T) {
	for _, a := range []Algo{SHA256, BLAKE3} {
		want, _, err := Reader(a, strings.NewReader("abc"))
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			h := a.New()
			h.Write([]byte("left over from an upload that failed"))
			Release(h)
		}
		for range 3 {
			h := a.New()
			h.Write([]byte("abc"))
			if got := a.Sum(h); !bytes.Equal(got, want) {
				t.Fatalf("%v: sum after Release = %x, want %x", a, got, want)
			}
			Release(h)
		}
	}
}

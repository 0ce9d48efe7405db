package sandbox

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// blobBytes reads b's content.
func blobBytes(t *testing.T, b *Blob) []byte {
	t.Helper()
	r, err := b.Reader()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestAppendBlob: AppendBlob puts src's whole content after b's, leaves
// src as it was, and the result commits with the right sum; the
// read-write fallback copies the same bytes.
func TestAppendBlob(t *testing.T) {
	s := newTestStore(t)
	dst, err := s.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("head:")
	if _, err := dst.Write(want); err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{0, 1, 3<<20 + 5, 700_001} {
		src, err := s.NewBlob()
		if err != nil {
			t.Fatal(err)
		}
		data := bytes.Repeat([]byte{byte('a' + i)}, n)
		if _, err := src.Write(data); err != nil {
			t.Fatal(err)
		}
		got, err := dst.AppendBlob(src)
		if err != nil || got != int64(n) {
			t.Fatalf("AppendBlob of %d bytes = %d, %v", n, got, err)
		}
		if !bytes.Equal(blobBytes(t, src), data) {
			t.Fatalf("source of %d bytes changed", n)
		}
		src.Discard()
		want = append(want, data...)
	}
	if _, err := dst.AppendBlob(dst); err == nil {
		t.Fatal("a blob appended itself")
	}
	if got := blobBytes(t, dst); !bytes.Equal(got, want) || dst.Size() != int64(len(want)) {
		t.Fatalf("blob holds %d bytes (size %d), want the %d appended in order", len(got), dst.Size(), len(want))
	}
	n, err := s.Commit("x", s.Root("x").ID, "f", dst, CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, w := snapSHA(t, s, "x", n.ID), sha(want); got != w {
		t.Fatalf("sum %s, want %s", got, w)
	}

	// The fallback, and a source shorter than asked.
	a, b := openWith(t, "a", []byte("0123456789")), openWith(t, "b", []byte("xy"))
	if m, err := copyRangeRW(b, 2, a, 3, 5); err != nil || m != 5 {
		t.Fatalf("copyRangeRW = %d, %v", m, err)
	}
	if got, _ := os.ReadFile(b.Name()); string(got) != "xy34567" {
		t.Fatalf("copyRangeRW wrote %q", got)
	}
	if m, err := copyRange(b, 0, a, 8, 5); err == nil || m != 2 {
		t.Fatalf("copyRange past the source's end = %d, %v; want 2 and an error", m, err)
	}
}

func sha(b []byte) string { return sum(string(b)) }

// openWith creates a file with content in a test folder, open for
// reading and writing.
func openWith(t *testing.T, name string, content []byte) *os.File {
	t.Helper()
	f, err := os.OpenFile(t.TempDir()+"/"+name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := f.Write(content); err != nil {
		t.Fatal(err)
	}
	return f
}

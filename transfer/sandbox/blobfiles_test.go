package sandbox

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"
)

// openFDs counts the process's open descriptors (Linux), -1 elsewhere.
func openFDs(t *testing.T) int {
	t.Helper()
	if runtime.GOOS != "linux" {
		return -1
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestManyPendingBlobsHoldFewDescriptors: a client that starts 3,000
// chunked uploads before finishing any (the phased curl baseline did, and
// ran the sandbox out of descriptors: "too many open files" for every
// service) leaves at most the limit of temporary files open; every blob
// still takes more bytes, reads back whole, hashes and commits.
func TestManyPendingBlobsHoldFewDescriptors(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	before := openFDs(t)
	const n = 3000
	blobs := make([]*Blob, n)
	for i := range blobs {
		b, err := s.NewBlob()
		if err != nil {
			t.Fatalf("blob %d: %v", i, err)
		}
		if _, err := fmt.Fprintf(b, "part one of %d;", i); err != nil {
			t.Fatalf("blob %d: %v", i, err)
		}
		blobs[i] = b
	}
	if got := s.OpenBlobFiles(); got > maxOpenBlobs {
		t.Fatalf("%d blob files open, want at most %d", got, maxOpenBlobs)
	}
	if before >= 0 {
		if grew := openFDs(t) - before; grew > maxOpenBlobs+16 {
			t.Fatalf("%d pending blobs hold %d more descriptors, want at most %d", n, grew, maxOpenBlobs+16)
		}
	}
	for i, b := range blobs {
		if _, err := b.ReadFrom(bytes.NewReader(fmt.Appendf(nil, "part two of %d", i))); err != nil {
			t.Fatalf("blob %d, second part: %v", i, err)
		}
	}
	for i, b := range blobs {
		want := fmt.Sprintf("part one of %d;part two of %d", i, i)
		r, err := b.Reader()
		if err != nil {
			t.Fatalf("blob %d: %v", i, err)
		}
		got, err := io.ReadAll(r)
		if err != nil || string(got) != want {
			t.Fatalf("blob %d reads %q, %v; want %q", i, got, err, want)
		}
		sum, err := b.MD5()
		if h := md5.Sum([]byte(want)); err != nil || sum != hex.EncodeToString(h[:]) {
			t.Fatalf("blob %d MD5 %s, %v", i, sum, err)
		}
		if i%2 == 0 {
			b.Discard()
			continue
		}
		node, err := s.Commit("x", root, fmt.Sprintf("f%d", i), b, CommitOptions{})
		if err != nil {
			t.Fatalf("commit blob %d: %v", i, err)
		}
		f, err := s.Open("x", node.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ = io.ReadAll(f)
		f.Close()
		if string(got) != want {
			t.Fatalf("stored blob %d holds %q, want %q", i, got, want)
		}
	}
	if got := s.OpenBlobFiles(); got != 0 {
		t.Fatalf("%d blob files open after every blob was committed or discarded", got)
	}
	if tmp, _ := os.ReadDir(s.tmpDir); len(tmp) != 0 {
		t.Fatalf("%d temporary files left", len(tmp))
	}
}

// TestBlobReadersSurviveTheLimit: readers of a blob (Reader, HashAt)
// running while other blobs are created and written beyond the limit read
// the right bytes: a file being read is never closed under them, and a
// closed one is reopened.
func TestBlobReadersSurviveTheLimit(t *testing.T) {
	s := newTestStore(t)
	s.files.limit = 4
	data := bytes.Repeat([]byte("0123456789"), 30_000)
	shared := make([]*Blob, 6)
	for i := range shared {
		shared[i] = blobOf(t, s, string(data))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for _, b := range shared {
		wg.Go(func() {
			for range 20 {
				r, err := b.Reader()
				if err != nil {
					errs <- err
					return
				}
				got, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(got, data) {
					errs <- fmt.Errorf("read %d bytes (%v), want %d", len(got), err, len(data))
					return
				}
				h := md5.New()
				if err := b.HashAt(h, make([]byte, 1000), 5000); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			b, err := s.NewBlob()
			if err != nil {
				errs <- err
				return
			}
			if _, err := fmt.Fprintf(b, "churn %d", i); err != nil {
				errs <- err
			}
			b.Discard()
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := s.OpenBlobFiles(); got > 4 {
		t.Fatalf("%d blob files open, want at most the limit, 4", got)
	}
	for _, b := range shared {
		b.Discard()
	}
}

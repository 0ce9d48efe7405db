package sandbox

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"sync"
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

// TestBlobChecksumMatchesContent: whatever mix of ReadFrom (hashed in the
// background), Write and concurrent appends built the blob, the committed
// checksum is the SHA-256 of the bytes stored.
func TestBlobChecksumMatchesContent(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	b, err := s.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	piece := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz012345"), 25_000) // 800,000 bytes: four buffers
	if _, err := b.ReadFrom(bytes.NewReader(piece)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write([]byte("middle")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 4 {
		wg.Go(func() {
			if _, err := b.ReadFrom(iotest.HalfReader(bytes.NewReader(piece[i*1000:]))); err != nil {
				errs <- err
			}
			if _, err := b.Write(piece[:i+1]); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n, err := s.Commit("x", root, "f", b, CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Open("x", n.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stored, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(stored)
	if snapSHA(t, s, "x", n.ID) != hex.EncodeToString(want[:]) || n.Size != int64(len(stored)) {
		t.Fatalf("committed size %d sha %s, stored %d bytes with sha %x", n.Size, snapSHA(t, s, "x", n.ID), len(stored), want)
	}
	if wantSize := int64(len(piece)+len("middle")) + 4*int64(len(piece)) - 6000 + 10; n.Size != wantSize {
		t.Fatalf("size %d, want %d", n.Size, wantSize)
	}
}

// TestBlobDiscardDuringReadFrom: a blob discarded while a body is being
// appended stops the append with ErrBlobClosed and leaves no file.
func TestBlobDiscardDuringReadFrom(t *testing.T) {
	s := newTestStore(t)
	b, err := s.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := b.ReadFrom(pr)
		done <- err
	}()
	chunk := make([]byte, 300<<10)
	if _, err := pw.Write(chunk); err != nil { // one full buffer: appended and hashing
		t.Fatal(err)
	}
	b.Discard()
	go func() {
		_, _ = pw.Write(chunk) // refills the buffer; the append after it fails
		_ = pw.Close()
	}()
	err = <-done
	_ = pr.Close() // unblocks the writer of the bytes ReadFrom no longer takes
	if !errors.Is(err, ErrBlobClosed) {
		t.Fatalf("ReadFrom after Discard = %v, want ErrBlobClosed", err)
	}
	left, err := os.ReadDir(s.tmpDir)
	if err != nil || len(left) != 0 {
		t.Fatalf("tmp dir holds %d entries (%v), want none", len(left), err)
	}
}

// TestBlobWritebackAcrossTruncate: appends large enough to start the early
// disk write-out, cut back and appended again, commit the bytes and the
// checksum of exactly what the blob holds.
func TestBlobWritebackAcrossTruncate(t *testing.T) {
	s := newTestStore(t)
	b, err := s.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	first := bytes.Repeat([]byte{'a'}, 3*writebackStep+5)
	if _, err := b.ReadFrom(bytes.NewReader(first)); err != nil {
		t.Fatal(err)
	}
	keep := int64(writebackStep + 3)
	if err := b.Truncate(keep); err != nil {
		t.Fatal(err)
	}
	second := bytes.Repeat([]byte{'b'}, 2*writebackStep)
	if _, err := b.ReadFrom(bytes.NewReader(second)); err != nil {
		t.Fatal(err)
	}
	n, err := s.Commit("x", s.Root("x").ID, "f", b, CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := append(first[:keep:keep], second...)
	f, err := s.Open("x", n.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("stored %d bytes (%v), want %d", len(got), err, len(want))
	}
	if h := sha256.Sum256(want); snapSHA(t, s, "x", n.ID) != hex.EncodeToString(h[:]) || n.Size != int64(len(want)) {
		t.Fatalf("node %+v, want size %d sha %x", n, len(want), h)
	}
}

// TestBlobReadFromHashing: the extra hashes see exactly the bytes
// appended, in order, across several calls and a body that breaks off
// (its received prefix included, nothing after it), and the blob's own
// checksum is unaffected.
func TestBlobReadFromHashing(t *testing.T) {
	s := newTestStore(t)
	root := s.Root("x").ID
	b, err := s.NewBlob()
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 50_000) // 800,000 bytes: several buffers
	h1, h2 := md5.New(), sha256.New()
	broken := errors.New("connection reset")
	cut := 300_003
	body := io.MultiReader(iotest.HalfReader(bytes.NewReader(data[:cut])), iotest.ErrReader(broken))
	if n, err := b.ReadFromHashing(body, h1, h2); !errors.Is(err, broken) || n != int64(cut) {
		t.Fatalf("ReadFromHashing = %d, %v, want %d, %v", n, err, cut, broken)
	}
	if got, want := h1.Sum(nil), md5.Sum(data[:cut]); !bytes.Equal(got, want[:]) {
		t.Fatal("the extra MD5 after a broken body is not the MD5 of the received prefix")
	}
	if n, err := b.ReadFromHashing(bytes.NewReader(data[cut:]), h1, h2); err != nil || n != int64(len(data)-cut) {
		t.Fatalf("second ReadFromHashing = %d, %v", n, err)
	}
	want5, want256 := md5.Sum(data), sha256.Sum256(data)
	if !bytes.Equal(h1.Sum(nil), want5[:]) || !bytes.Equal(h2.Sum(nil), want256[:]) {
		t.Fatal("the extra hashes do not cover the appended bytes in order")
	}
	n, err := s.Commit("x", root, "h.bin", b, CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if snapSHA(t, s, "x", n.ID) != hex.EncodeToString(want256[:]) || n.Size != int64(len(data)) {
		t.Fatalf("committed %d bytes, sha256 %s, want %d, %x", n.Size, snapSHA(t, s, "x", n.ID), len(data), want256)
	}
}

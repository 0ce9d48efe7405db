package sandbox

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
)

// BenchmarkBlobReadFrom appends 64 MiB per op read from a loopback TCP
// connection (a request body's source), checksum included, then commits
// the blob (commit=true: fsync and rename, what every stored upload
// costs) or discards it (the per-byte cost of receiving alone).
func BenchmarkBlobReadFrom(b *testing.B) {
	for _, commit := range []bool{false, true} {
		b.Run(fmt.Sprintf("commit=%v", commit), func(b *testing.B) { benchBlobReadFrom(b, commit) })
	}
}

func benchBlobReadFrom(b *testing.B, commit bool) {
	s, err := NewStore(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 4<<20)
	root := s.Root("bench").ID
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sent := make(chan error, 1)
		go func() {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				sent <- err
				return
			}
			_, err = c.Write(data)
			sent <- err
			c.Close()
		}()
		c, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		blob, err := s.NewBlob()
		if err != nil {
			b.Fatal(err)
		}
		n, err := blob.ReadFrom(c)
		c.Close()
		if err != nil || n != int64(len(data)) {
			b.Fatalf("ReadFrom = %d, %v", n, err)
		}
		if err := <-sent; err != nil {
			b.Fatal(err)
		}
		if !commit {
			blob.Discard()
			continue
		}
		n2, err := s.Commit("bench", root, "f", blob, CommitOptions{Conflict: ConflictReplace})
		if err != nil || n2.Size != int64(len(data)) {
			b.Fatalf("Commit = %+v, %v", n2, err)
		}
	}
}

var _ io.ReaderFrom = (*Blob)(nil)

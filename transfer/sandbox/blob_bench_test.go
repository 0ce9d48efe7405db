package sandbox

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// BenchmarkBlobReadFrom appends 32 MiB per op read from a loopback TCP
// connection (a request body's source), checksum included, without the
// fsync of a commit: the per-byte cost of storing an upload.
func BenchmarkBlobReadFrom(b *testing.B) {
	s, err := NewStore(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 2<<20)
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
		blob.Discard()
	}
}

var _ io.ReaderFrom = (*Blob)(nil)

package sandbox

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider/rest"
)

// BenchmarkSink measures the loopback (+ disk) ceiling the upload paths
// are compared to: one 32 MiB PUT per op.
func BenchmarkSink(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 2<<20)
	for _, q := range []string{"", "?discard=1"} {
		name := "disk"
		if q != "" {
			name = "discard"
		}
		b.Run(name, func(b *testing.B) {
			s, err := New(Config{})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Start(); err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			c := s.Client()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				req, err := http.NewRequest(http.MethodPut, s.BaseURL()+"/_sandbox/sink"+q, bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				rest.Drain(resp)
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

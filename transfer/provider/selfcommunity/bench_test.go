package selfcommunity

import (
	"strconv"
	"testing"

	scsandbox "github.com/ferry-sync/ferry/transfer/sandbox/selfcommunity"
)

// BenchmarkUpload sends a 4 MiB file through the sandbox on loopback with
// the official client's 204,800-byte parts and with 4 MiB parts (b.SetBytes
// makes the MB/s column the upload throughput).
func BenchmarkUpload(b *testing.B) {
	for _, cs := range []int64{DefaultChunkSize, 4 << 20} {
		b.Run(byteSize(cs), func(b *testing.B) {
			s := startSandbox(b, scsandbox.Options{}, nil)
			p := newProvider(b, s.srv.BaseURL(), func(c *Config) { c.ChunkSize = cs })
			data := randomData(4<<20, 13)
			u := plan("bench.bin", int64(len(data)), cs)
			ctx := ctxT(b)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				sess, err := p.Begin(ctx, u)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := runUpload(ctx, sess, u, data, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func byteSize(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + "MiB"
	}
	return strconv.FormatInt(n, 10) + "B"
}

package filesro

import (
	"context"
	"fmt"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// BenchmarkUpload uploads a 32 MiB file per op through the sandbox, in 8
// MiB chunks and as one chunk. Compare with sandbox.BenchmarkSink (the
// loopback + disk ceiling). A strict sandbox (the `ferry sandbox` default)
// streams each chunk onto the key's file; a lenient one stages and
// appends each chunk like PHP does, so chunked uploads write every byte
// twice. B/op shows the chunk is streamed, not buffered.
func BenchmarkUpload(b *testing.B) {
	data := randomData(32<<20, 1)
	for _, strict := range []bool{true, false} {
		for _, chunk := range []int64{8 << 20, 32 << 20} {
			name := fmt.Sprintf("strict=%v/%s", strict, map[int64]string{8 << 20: "chunks_8MiB", 32 << 20: "one_chunk"}[chunk])
			b.Run(name, func(b *testing.B) {
				tb := newTestbed(b, sbfilesro.Options{}, sandbox.Config{Strict: strict})
				p := tb.provider("editor")
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := upload(context.Background(), p, plan([]string{"bench"}, "big.bin", data, chunk), data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

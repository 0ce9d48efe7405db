package quatrix_test

import (
	"fmt"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// BenchmarkUpload measures a whole upload (link, chunks, finalize) of a
// 16 MiB file in 4 MiB chunks through the sandbox on loopback.
func BenchmarkUpload(b *testing.B) {
	for _, tls := range []bool{false, true} {
		b.Run(fmt.Sprintf("tls=%v", tls), func(b *testing.B) {
			e := newEnv(b, envOpts{tls: tls})
			p := e.provider(b, "apikey")
			data := randomBytes(b, 16<<20)
			ctx := ctxT(b)
			b.SetBytes(int64(len(data)))
			for i := 0; b.Loop(); i++ {
				u := plan([]string{"bench"}, fmt.Sprintf("f%d.bin", i), data, 4<<20, provider.ConflictRename)
				if _, err := upload(ctx, p, u, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSmallFiles measures many 1 KiB uploads into one folder (the
// folder id cached after the first): the per-file request overhead.
func BenchmarkSmallFiles(b *testing.B) {
	e := newEnv(b, envOpts{})
	p := e.provider(b, "apikey")
	data := randomBytes(b, 1<<10)
	ctx := ctxT(b)
	for i := 0; b.Loop(); i++ {
		u := plan([]string{"small"}, fmt.Sprintf("s%d.bin", i), data, 1<<20, provider.ConflictRename)
		if _, err := upload(ctx, p, u, data); err != nil {
			b.Fatal(err)
		}
	}
}

package twake

import (
	"testing"
)

// BenchmarkUploadParallel uploads a 16 MiB file in 1 MiB chunks through
// the strict sandbox with the default parallelism (loopback, disk-backed
// store: it measures the provider's and sandbox's overhead, not a network).
func BenchmarkUploadParallel(b *testing.B) {
	for _, par := range []int{1, DefaultParallelChunks} {
		b.Run(map[int]string{1: "sequential", DefaultParallelChunks: "parallel4"}[par], func(b *testing.B) {
			benchUpload(b, "bench.bin", 16<<20, 1<<20, par)
		})
	}
}

// BenchmarkUploadLarge uploads a 256 MiB file in 32 MiB chunks, four at a
// time, through the strict sandbox: the shape of a big-file upload, where
// the sandbox's assembly and commit dominate.
func BenchmarkUploadLarge(b *testing.B) {
	benchUpload(b, "large.bin", 256<<20, 32<<20, DefaultParallelChunks)
}

// benchUpload uploads a size-byte file in chunk-byte chunks, par at a
// time, once per benchmark iteration.
func benchUpload(b *testing.B, name string, size, chunk int64, par int) {
	ts := startSandbox(b, nil)
	p := ts.provider(b, func(c *Config) { c.ChunkSize = chunk })
	f := newTestFile(name, size)
	f.u.ChunkSize = chunk
	idx := make([]int, f.u.Chunks())
	for i := range idx {
		idx[i] = i
	}
	b.SetBytes(f.u.Size)
	for b.Loop() {
		s, err := p.Begin(ctx(b), f.u)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.putParallel(b, s, par, idx); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Finish(ctx(b)); err != nil {
			b.Fatal(err)
		}
	}
}

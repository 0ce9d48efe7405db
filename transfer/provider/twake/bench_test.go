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
			ts := startSandbox(b, nil)
			p := ts.provider(b, func(c *Config) { c.ChunkSize = 1 << 20 })
			f := newTestFile("bench.bin", 16<<20)
			f.u.ChunkSize = 1 << 20
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
		})
	}
}

// BenchmarkUploadLarge uploads a 256 MiB file in 32 MiB chunks, four at a
// time, through the strict sandbox: the shape of a big-file upload, where
// the sandbox's assembly and commit dominate.
func BenchmarkUploadLarge(b *testing.B) {
	ts := startSandbox(b, nil)
	p := ts.provider(b, func(c *Config) { c.ChunkSize = 32 << 20 })
	f := newTestFile("large.bin", 256<<20)
	f.u.ChunkSize = 32 << 20
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
		if err := f.putParallel(b, s, DefaultParallelChunks, idx); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Finish(ctx(b)); err != nil {
			b.Fatal(err)
		}
	}
}

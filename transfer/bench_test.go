package transfer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// BenchmarkSmallFiles measures the engine's overhead per small file
// (claim, session saves, history, events) against a zero-latency fake.
func BenchmarkSmallFiles(b *testing.B) {
	opts := fastOpts()
	opts.Parallel = 8
	r := newRig(b, fakeprovider.Options{Discard: true}, TargetSettings{}, opts)
	jobs := make([]queue.Job, b.N)
	for i := range jobs {
		jobs[i] = r.file(fmt.Sprintf("s/%06d.txt", i), []byte("small file body, a kilobyte or less"))
	}
	r.run()
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU(b)
	ids := r.enqueue(jobs...)
	r.wait(ids...)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "files/s")
	// CPU time, not wall time, is what a loaded machine leaves comparable:
	// the whole process's (user + system, fsyncs included) per file.
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/file")
}

// BenchmarkLargeFileHeap uploads one sparse file and reports the peak
// HeapInuse sampled during the upload: it must not grow with file size.
func BenchmarkLargeFileHeap(b *testing.B) {
	for _, size := range []int64{256 << 20, 2 << 30} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				largeFile(b, size)
			}
		})
	}
}

func largeFile(b *testing.B, size int64) {
	b.StopTimer()
	r := newRig(b, fakeprovider.Options{Discard: true, Caps: provider.Capabilities{
		MinChunkSize: 1 << 20, MaxChunkSize: 64 << 20, DefaultChunkSize: 8 << 20, ParallelChunks: true, Resumable: true,
	}}, TargetSettings{ChunkParallel: 4}, fastOpts())
	p := filepath.Join(r.root, "big.bin")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var peak atomic.Uint64
	ctx, cancel := context.WithCancel(context.Background())
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	r.run()
	b.StartTimer()
	start := time.Now()
	id := r.enqueue(queue.Job{Target: "fake", Root: r.root, RelPath: "big.bin", Size: fi.Size(), ModTime: fi.ModTime()})[0]
	r.wait(id)
	b.StopTimer()
	elapsed := time.Since(start)
	cancel()
	<-sampled
	if h := r.history()[id]; h.Outcome != queue.Done {
		b.Fatalf("upload of %d bytes: %+v", size, h)
	}
	b.SetBytes(size)
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(size)/(1<<20)/elapsed.Seconds(), "MiB/s")
}

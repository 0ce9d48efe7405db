package sync

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"
)

// The 100,000-file tree is built once per test binary (it takes a while)
// and removed by TestMain.
var (
	benchTreeOnce gosync.Once
	benchTreeDir  string
	benchTreeErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchTreeDir != "" {
		if err := os.RemoveAll(benchTreeDir); err != nil {
			fmt.Fprintln(os.Stderr, "remove benchmark tree:", err)
		}
	}
	os.Exit(code)
}

// benchTree returns a tree of 100,000 small files in 1,000 directories
// (10 top folders × 100 subfolders × 100 files).
func benchTree(b *testing.B) string {
	b.Helper()
	benchTreeOnce.Do(func() {
		benchTreeDir, benchTreeErr = os.MkdirTemp("", "ferry-sync-bench-")
		if benchTreeErr != nil {
			return
		}
		root := filepath.Join(benchTreeDir, "tree")
		for d := range 1000 {
			dir := filepath.Join(root, fmt.Sprintf("t%d", d/100), fmt.Sprintf("s%02d", d%100))
			if benchTreeErr = os.MkdirAll(dir, 0o755); benchTreeErr != nil {
				return
			}
			for f := range 100 {
				p := filepath.Join(dir, fmt.Sprintf("file-%03d.dat", f))
				if benchTreeErr = os.WriteFile(p, make([]byte, f), 0o644); benchTreeErr != nil {
					return
				}
			}
		}
		// Let writeback of the new tree finish, so it does not slow the
		// first timed scan.
		syncDisks()
	})
	if benchTreeErr != nil {
		b.Fatal(benchTreeErr)
	}
	return filepath.Join(benchTreeDir, "tree")
}

// findTime runs find over root, printing what a scan needs (size and mtime
// of every file), and returns its wall time and CPU time (user + system).
// The CPU ratio is the steadier one on a shared machine.
func findTime(b *testing.B, root string) (wall, cpu time.Duration) {
	b.Helper()
	cmd := exec.Command("find", root, "-type", "f", "-printf", "%s %T@\n")
	cmd.Stdout = io.Discard
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("find: %v", err)
	}
	return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// BenchmarkInitialScan100k times a watcher's start over 100,000 files, from
// Run until the startup scan is complete and every candidate handed on (all
// of them for "new"; none for "unchanged", where the sent index matches),
// with every directory watched. x-find is the ratio to find's wall time,
// x-find-cpu the ratio of CPU times (ours includes watching and handing on).
func BenchmarkInitialScan100k(b *testing.B) {
	root := benchTree(b)
	for _, tc := range []struct {
		name string
		sent SentIndex
		want int64
	}{
		{"new", nil, 100_000},
		{"unchanged", sentFromDisk(b, root), 0},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var wall, cpu, findWall, findCPU time.Duration
			for b.Loop() {
				// find runs next to every scan, so both see the same load on
				// this shared machine.
				b.StopTimer()
				fw, fc := findTime(b, root)
				findWall, findCPU = findWall+fw, findCPU+fc
				b.StartTimer()
				c0 := cpuTime(b)
				wall += startupTime(b, root, tc.sent, tc.want)
				cpu += cpuTime(b) - c0
			}
			n := time.Duration(b.N)
			b.ReportMetric(float64((findWall / n).Milliseconds()), "find-ms")
			b.ReportMetric(float64(wall)/float64(findWall), "x-find")
			b.ReportMetric(float64(cpu)/float64(findCPU), "x-find-cpu")
		})
	}
}

// startupTime runs one watcher until its startup scan completed and want
// candidates arrived, and returns how long that took.
func startupTime(b testing.TB, root string, sent SentIndex, want int64) time.Duration {
	var got atomic.Int64
	f := Folder{ID: "bench", Root: root, Enabled: true, Quiet: time.Millisecond, MaxDelay: time.Second}
	w, err := New(f, Options{Sent: sent, Emit: func(_ context.Context, batch []Candidate) error {
		got.Add(int64(len(batch)))
		return nil
	}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	changed := w.Changed()
	go func() { done <- w.Run(ctx) }()
	for w.Status().Scans < 1 {
		select {
		case <-changed:
			changed = w.Changed()
		case <-time.After(time.Minute):
			b.Fatal("startup scan did not finish in a minute")
		}
	}
	if got.Load() != want {
		b.Fatalf("handed on %d, want %d", got.Load(), want)
	}
	elapsed := time.Since(start)
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return elapsed
}

// BenchmarkBurst10k times 10,000 files created in 200 new nested folders,
// with the default quiet period, until all are handed on. after-last-write-ms
// is the latency from the last write to the last file handed on.
func BenchmarkBurst10k(b *testing.B) {
	var afterLast time.Duration
	for b.Loop() {
		b.StopTimer()
		root := b.TempDir()
		var got atomic.Int64
		all := make(chan struct{})
		var allOnce gosync.Once
		w, err := New(Folder{ID: "bench", Root: root, Enabled: true}, Options{Emit: func(_ context.Context, batch []Candidate) error {
			if got.Add(int64(len(batch))) >= 10_000 {
				allOnce.Do(func() { close(all) })
			}
			return nil
		}})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		changed := w.Changed()
		go func() { done <- w.Run(ctx) }()
		for w.Status().Scans < 1 {
			<-changed
			changed = w.Changed()
		}
		b.StartTimer()
		for d := range 200 {
			dir := filepath.Join(root, fmt.Sprintf("top%02d", d/10))
			for i := range d%10 + 1 {
				dir = filepath.Join(dir, fmt.Sprintf("n%d", i))
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
			for f := range 50 {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d", f)), []byte("x"), 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
		lastWrite := time.Now()
		select {
		case <-all:
		case <-time.After(2 * time.Minute):
			b.Fatalf("only %d of 10,000 handed on", got.Load())
		}
		afterLast += time.Since(lastWrite)
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		if n := got.Load(); n != 10_000 {
			b.Fatalf("handed on %d, want 10,000", n)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(afterLast.Milliseconds())/float64(b.N), "after-last-write-ms")
}

// BenchmarkIdleCPU100k watches the 100,000-file tree (1,000 directories)
// with nothing changing for 10 s and reports the process's CPU time per
// second of wall time (user+system, whole process, Go runtime included).
func BenchmarkIdleCPU100k(b *testing.B) {
	root := benchTree(b)
	for b.Loop() {
		w, err := New(Folder{ID: "bench", Root: root, Enabled: true},
			Options{Sent: sentFromDisk(b, root), Emit: func(context.Context, []Candidate) error { return nil }})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		changed := w.Changed()
		go func() { done <- w.Run(ctx) }()
		for w.Status().Scans < 1 {
			<-changed
			changed = w.Changed()
		}
		if st := w.Status(); st.State != HealthOK || st.Watches != 1011 {
			b.Fatalf("status %+v, want ok with 1,011 watches (root, 10 top, 1,000 leaves)", st)
		}
		before := cpuTime(b)
		const idle = 10 * time.Second
		time.Sleep(idle)
		used := cpuTime(b) - before
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(used.Microseconds())/1000/idle.Seconds(), "cpu-ms/s")
	}
}

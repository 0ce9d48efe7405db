package bench

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// sizes are the workload sizes of one harness run.
type sizes struct {
	Big        int64 // the single large file
	Small      int   // small files (1-64 KiB) in SmallDirs folders
	SmallDirs  int
	Tiny       int // 1 KiB files (in 100 folders), the many-files case
	Burst      int // files written into a watched folder at once
	ScanFiles  int // files in the scan tree (100 per folder)
	SCFiles    int // SelfCommunity files of 1-10 MB
	IdleWindow int // seconds of idle CPU measurement
}

var (
	fullSizes  = sizes{Big: 1 << 30, Small: 2000, SmallDirs: 20, Tiny: 20_000, Burst: 10_000, ScanFiles: 100_000, SCFiles: 200, IdleWindow: 60}
	quickSizes = sizes{Big: 128 << 20, Small: 400, SmallDirs: 20, Tiny: 2000, Burst: 1000, ScanFiles: 20_000, SCFiles: 20, IdleWindow: 10}
)

// writeRandom writes size pseudo-random bytes (incompressible, so no
// layer can cheat) from seed to path.
func writeRandom(path string, size int64, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	src := rand.NewChaCha8(seedBytes(seed))
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(left, int64(len(buf)))
		_, _ = src.Read(buf[:n]) // ChaCha8.Read never fails
		if _, err := w.Write(buf[:n]); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		left -= n
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func seedBytes(seed uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return s
}

// writeFiles writes n files spread evenly over dirs folders below root,
// each of lo to hi bytes (uniform), and returns their total size.
func writeFiles(root string, n, dirs int, lo, hi int64, seed uint64) (int64, error) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	src := rand.NewChaCha8(seedBytes(seed))
	buf := make([]byte, hi)
	var total int64
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("d%03d", i%dirs))
		if i < dirs {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return 0, fmt.Errorf("write files: %w", err)
			}
		}
		size := lo + r.Int64N(hi-lo+1)
		_, _ = src.Read(buf[:size]) // ChaCha8.Read never fails
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d.bin", i)), buf[:size], 0o644); err != nil {
			return 0, fmt.Errorf("write files: %w", err)
		}
		total += size
	}
	return total, nil
}

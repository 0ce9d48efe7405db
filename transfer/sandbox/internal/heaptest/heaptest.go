// Package heaptest measures what each stored file costs the sandbox in
// memory, for the services' tests that bound it (issue 20: the sandbox's
// memory must not grow with the files it has stored by more than what a
// file's record in the real server's database would need).
package heaptest

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
)

// Live returns the bytes of live heap after two collections.
func Live() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// PerFile runs put(i) for warm files (not counted: pools, maps and the
// request log reach their steady size), then for n more, and returns the
// live heap the n files added, per file.
func PerFile(t testing.TB, warm, n int, put func(i int)) int64 {
	t.Helper()
	if os.Getenv(ProfileEnv) != "" {
		runtime.MemProfileRate = 64
	}
	for i := range warm {
		put(i)
	}
	before := Live()
	for i := range n {
		put(warm + i)
	}
	after := Live()
	if path := os.Getenv(ProfileEnv); path != "" {
		writeProfile(t, path)
	}
	return (after - before) / int64(n)
}

// ProfileEnv names the environment variable that makes PerFile write the
// heap profile (what is live after the counted files) to the path it
// holds, for `go tool pprof -sample_index=inuse_space`.
const ProfileEnv = "HEAPTEST_PROFILE"

func writeProfile(t testing.TB, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("heap profile: %v", err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatalf("heap profile: %v", err)
	}
}

package app

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"time"
)

// ProfileEnv names the environment variable that asks any ferry process
// (the sandbox included) to write a CPU profile of its whole run to the
// path it holds, for `go tool pprof`. It is how the slow paths in
// docs/bench/optimisations.md were found in the real binary.
const ProfileEnv = "FERRY_CPUPROFILE"

// HeapProfileEnv names the environment variable that asks any ferry process
// to write a heap profile to the path it holds every two seconds while it
// runs (each replaces the last): what is live then, and what was allocated
// so far. It is how memory that grows with the number of files is found.
const HeapProfileEnv = "FERRY_HEAPPROFILE"

// TraceEnv names the environment variable that asks any ferry process to
// write a Go execution trace of its whole run to the path it holds, for
// `go tool trace` (its -pprof=sync, syscall and net views show where the
// workers wait rather than where they spend CPU).
const TraceEnv = "FERRY_TRACE"

// startProfile starts the profiles and trace ProfileEnv, HeapProfileEnv
// and TraceEnv ask for and returns the function that ends them; with the
// variables unset it does nothing. One that cannot start is reported on
// stderr and the run goes on.
func startProfile(stderr io.Writer) (stop func()) {
	stopCPU := startCPUProfile(stderr)
	stopHeap := startHeapProfiles(stderr)
	stopTrace := startTrace(stderr)
	return func() {
		stopTrace()
		stopCPU()
		stopHeap()
	}
}

func startTrace(stderr io.Writer) (stop func()) {
	return recordToFile(stderr, TraceEnv, trace.Start, trace.Stop)
}

func startCPUProfile(stderr io.Writer) (stop func()) {
	return recordToFile(stderr, ProfileEnv, pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// recordToFile runs start on a new file at the path the environment
// variable env holds and returns what ends it (end, then the file closed);
// with env unset, or when the file or start fails (said on stderr), it
// does nothing.
func recordToFile(stderr io.Writer, env string, start func(io.Writer) error, end func()) (stop func()) {
	path := os.Getenv(env)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "ferry: %s: %v\n", env, err)
		return func() {}
	}
	if err := start(f); err != nil {
		f.Close()
		fmt.Fprintf(stderr, "ferry: %s: %v\n", env, err)
		return func() {}
	}
	return func() {
		end()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "ferry: %s: %v\n", env, err)
		}
	}
}

// startHeapProfiles writes the heap profile HeapProfileEnv asks for every
// two seconds until stop, so the last one shows the memory of a command
// still at work, not of one that has let go of everything.
func startHeapProfiles(stderr io.Writer) (stop func()) {
	path := os.Getenv(HeapProfileEnv)
	if path == "" {
		return func() {}
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if err := writeHeapProfile(path); err != nil {
					fmt.Fprintf(stderr, "ferry: %s: %v\n", HeapProfileEnv, err)
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

// writeHeapProfile writes one heap profile to path, after a collection so
// that "in use" is what is still reachable.
func writeHeapProfile(path string) error {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = pprof.Lookup("heap").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

package app

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// ProfileEnv names the environment variable that asks any ferry process
// (the sandbox included) to write a CPU profile of its whole run to the
// path it holds, for `go tool pprof`. It is how the slow paths in
// docs/bench/optimisations.md were found in the real binary.
const ProfileEnv = "FERRY_CPUPROFILE"

// startProfile starts the CPU profile ProfileEnv asks for and returns the
// function that ends it; with the variable unset it does nothing. A
// profile that cannot start is reported on stderr and the run goes on.
func startProfile(stderr io.Writer) (stop func()) {
	path := os.Getenv(ProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "ferry: %s: %v\n", ProfileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		fmt.Fprintf(stderr, "ferry: %s: %v\n", ProfileEnv, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "ferry: %s: %v\n", ProfileEnv, err)
		}
	}
}

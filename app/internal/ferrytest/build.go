// Package ferrytest runs the real ferry binary as child processes for the
// cross-process test packages (app/e2e, app/soak, app/bench): it builds the
// binary once per test binary, starts `ferry sandbox` on a free loopback
// port and reads what it printed (base URL, TLS pin, Twake company id) and
// its inspection view (/_sandbox/tree, stats, log, credentials), gives each
// simulated user its own config, data folder and secrets file, runs ferry
// commands with timeouts and stops every process it started when the test
// ends.
//
// It is imported by tests only; it uses package testing and fails the test
// it was given where a helper cannot go on (documented per function).
package ferrytest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BinaryEnv names the environment variable that points at a prebuilt ferry
// binary; Main then skips the build.
const BinaryEnv = "FERRY_TEST_BINARY"

// buildTimeout bounds the one build: cold, with the GUI's cgo packages, it
// takes minutes on a small shared machine.
const buildTimeout = 20 * time.Minute

// binary is the ferry binary of this test binary's tests. Main sets it
// before m.Run and nothing writes it afterwards, so tests read it freely.
var binary string

// Binary returns the ferry binary Main chose. It panics when Main has not
// run: every command would otherwise start an empty path.
func Binary() string {
	if binary == "" {
		panic("ferrytest: Binary called before Main chose a binary")
	}
	return binary
}

// Main chooses the ferry binary for the tests, runs them and returns the
// exit code for os.Exit; call it from TestMain (after flag.Parse when
// override comes from a flag). The binary is override when it is not
// empty, else $FERRY_TEST_BINARY when set, else the module built once into
// a temporary folder that is removed after m.Run. label ("e2e", "soak")
// prefixes the build's lines on standard error. A failed build returns 1
// without running any test.
func Main(m *testing.M, label, override string) int {
	switch {
	case override != "":
		binary = override
		return m.Run()
	case os.Getenv(BinaryEnv) != "":
		binary = os.Getenv(BinaryEnv)
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "ferry-"+label+"-bin-*")
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: make binary folder: %v\n", label, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	start := time.Now()
	bin, err := Build(ctx, dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", label, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "%s: built ferry in %s\n", label, time.Since(start).Round(time.Second))
	binary = bin
	return m.Run()
}

// Build compiles the module's main package into dir/ferry with the go
// command on PATH and returns the binary's path. The working directory
// must be inside the module (a test's package folder is). ctx bounds the
// build; a failure returns an error carrying the compiler's output.
func Build(ctx context.Context, dir string) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build ferry: %w (or set %s)", err, BinaryEnv)
	}
	bin := filepath.Join(dir, "ferry")
	out, err := exec.CommandContext(ctx, goCmd, "build", "-o", bin, "github.com/ferry-sync/ferry").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build ferry: %w\n%s", err, out)
	}
	return bin, nil
}

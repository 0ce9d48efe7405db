package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// ferryBin is the binary every test runs, built once by TestMain.
var ferryBin string

// buildTimeout bounds the one build: cold, with the GUI's cgo packages, it
// takes minutes on a small shared machine.
const buildTimeout = 20 * time.Minute

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	if bin := os.Getenv("FERRY_E2E_BINARY"); bin != "" {
		ferryBin = bin
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "ferry-e2e-bin-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: make binary folder:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ferryBin = filepath.Join(dir, "ferry")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", ferryBin, "github.com/ferry-sync/ferry").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: build ferry: %v\n%s", err, out)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: built ferry in %s\n", time.Since(start).Round(time.Second))
	return m.Run()
}

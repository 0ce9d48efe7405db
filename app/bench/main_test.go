package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

var (
	flagOut   = flag.String("out", "", "folder for results.md, results.json and chart.png (the harness runs only when set)")
	flagRuns  = flag.Int("runs", 3, "runs of every scenario (the report gives the median and the spread)")
	flagBurst = flag.Int("burst-runs", 0, "runs of each watched-folder burst, the longest scenario (default: -runs)")
	flagQuick = flag.Bool("quick", false, "smaller sizes and one run, for development (a few minutes)")
	flagBin   = flag.String("bin", "", "ferry binary to measure (default: built once from this module)")
	flagOnly  = flag.String("only", "", "run only the scenarios whose name contains this text (or one of these comma-separated texts)")
	flagWork  = flag.String("work", "", "folder for the temporary trees and sandbox data (default: the system temp folder)")
	flagFrom  = flag.String("from", "", "render the report of this results.json into -out instead of measuring")
)

// buildTimeout bounds the one build: cold, with the GUI's cgo packages, it
// takes minutes on a small shared machine.
const buildTimeout = 20 * time.Minute

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(m.Run())
}

// ferryBinary returns the binary to measure: -bin, or one built into dir
// with the default (release-like) build flags.
func ferryBinary(t *testing.T, dir string) string {
	t.Helper()
	if *flagBin != "" {
		abs, err := filepath.Abs(*flagBin)
		if err != nil {
			t.Fatalf("resolve -bin: %v", err)
		}
		return abs
	}
	bin := filepath.Join(dir, "ferry")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/ferry-sync/ferry").CombinedOutput()
	if err != nil {
		t.Fatalf("build ferry: %v\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "bench: built ferry in %s\n", time.Since(start).Round(time.Second))
	return bin
}

package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The CPU profile and the execution trace the environment asks for are
// written when the run ends; a path that cannot be created is said on
// stderr and the run goes on without it.
func TestProfileAndTraceFiles(t *testing.T) {
	dir := t.TempDir()
	cpu, tr := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "run.trace")
	t.Setenv(ProfileEnv, cpu)
	t.Setenv(TraceEnv, tr)
	t.Setenv(HeapProfileEnv, "")
	var stderr bytes.Buffer
	startProfile(&stderr)()
	if stderr.Len() > 0 {
		t.Fatalf("stderr: %s", stderr.String())
	}
	for _, p := range []string{cpu, tr} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v, %v bytes", p, err, fi)
		}
	}

	t.Setenv(ProfileEnv, "")
	t.Setenv(TraceEnv, filepath.Join(dir, "no-such-folder", "run.trace"))
	stderr.Reset()
	startProfile(&stderr)()
	if !strings.Contains(stderr.String(), "ferry: "+TraceEnv+": ") {
		t.Errorf("an uncreatable trace file was not reported: %q", stderr.String())
	}
}

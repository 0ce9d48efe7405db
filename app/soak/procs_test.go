package soak

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
)

const (
	// cmdTimeout bounds each short ferry command (target add, folder
	// add, one upload); MustRun fails the test past it.
	cmdTimeout = 60 * time.Second
	// watchStopGrace is how long ferry watch gets to stop on SIGINT
	// before it is killed and the stop counts as unclean.
	watchStopGrace = 30 * time.Second
)

// startSandbox runs `ferry sandbox` with the fault profile, its storage in
// dir/sandbox and its standard error in dir/sandbox.err (kept with
// -soak.keep, skipped by the secrets search). ferrytest stops it when the
// test ends.
func startSandbox(t *testing.T, dir, faults string) *ferrytest.Sandbox {
	t.Helper()
	errFile, err := os.Create(filepath.Join(dir, "sandbox.err"))
	if err != nil {
		t.Fatal(err)
	}
	// Registered before the sandbox's own cleanup, so it runs after the
	// sandbox has stopped writing.
	t.Cleanup(func() {
		if err := errFile.Close(); err != nil {
			t.Errorf("close sandbox.err: %v", err)
		}
	})
	return ferrytest.StartSandboxIn(t, filepath.Join(dir, "sandbox"), errFile, "--faults", faults)
}

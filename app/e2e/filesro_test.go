package e2e

import (
	"testing"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
)

// filesroTarget adds the files.ro target of a sandbox (the editor share,
// no password) and returns it.
func filesroTarget(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env) target {
	t.Helper()
	tg := target{
		name: "filesro", api: "filesro", layout: underFolder("/editor", ""),
		dataRoute: "POST /api/v1/shares/{token}/uploads",
	}
	var flags []string
	if s.Pin != "" {
		flags = append(flags, "--tls-pin", s.Pin)
	}
	addTarget(t, f, tg.name, "filesro", s.Base, []string{s.MustCredential("filesro", "share-token", "editor")}, flags...)
	return tg
}

// TestFilesroPlain is the plain upload, with its 300 MB file.
func TestFilesroPlain(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	plainScenario(t, s, f, filesroTarget(t, s, f), 300<<20, 1)
}

// TestFilesroFaults runs the fault profile. files.ro cannot resume
// or repeat a chunk (no offsets), so every fault but 429 restarts the file
// under a new key; connection resets also step the chunk size down.
func TestFilesroFaults(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--faults", faultSpec+",seed=11")
	f := ferrytest.NewEnv(t, "")
	faultScenario(t, s, f, filesroTarget(t, s, f), 16<<20, 2)
}

// TestFilesroServerErrors is the fault profile without connection resets:
// 5xx answers restart the file, 429 repeats the chunk.
func TestFilesroServerErrors(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--faults", "500=0.05,502=0.03,503=0.02,429=0.02,retry-after=1s,seed=12")
	f := ferrytest.NewEnv(t, "")
	faultScenario(t, s, f, filesroTarget(t, s, f), 16<<20, 4)
}

func TestFilesroKill(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--faults", "bw=20MB")
	f := ferrytest.NewEnv(t, "")
	killScenario(t, s, f, filesroTarget(t, s, f), 24<<20, 3)
}

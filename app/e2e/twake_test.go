package e2e

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
)

// twakeTarget adds the Twake target of a sandbox: Drive folders when
// drive is set, else flat with the path kept in the name.
func twakeTarget(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env, drive bool) target {
	t.Helper()
	if s.CompanyID == "" {
		t.Fatalf("the sandbox printed no Twake company id:\n%s", s.Output())
	}
	tg := target{name: "twake", api: "twake", layout: twakeFlat, dataRoute: sbtwake.RouteChunk}
	flags := []string{"--company-id", s.CompanyID}
	if drive {
		tg.layout = twakeDrive
		flags = append(flags, "--drive-folders")
	} else {
		flags = append(flags, "--keep-path-in-name")
	}
	if s.Pin != "" {
		flags = append(flags, "--tls-pin", s.Pin)
	}
	addTarget(t, f, tg.name, "twake", s.Base, []string{s.MustCredential("twake", "token", "jwt")}, flags...)
	return tg
}

func TestTwakePlainFlat(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000")
	f := ferrytest.NewEnv(t, "")
	plainScenario(t, s, f, twakeTarget(t, s, f, false), 32<<20, 31)
	// The provider's crash records live in Ferry's data folder (so
	// FERRY_DATA_DIR moves them too), and none is left after a clean run.
	records := filepath.Join(f.Data, "providers", "twake")
	if _, err := os.Stat(records); err != nil {
		t.Fatalf("no twake record folder below the data folder: %v", err)
	}
	err := filepath.WalkDir(records, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("twake record left after every upload finished: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTwakePlainDriveFolders(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--tls")
	f := ferrytest.NewEnv(t, "")
	plainScenario(t, s, f, twakeTarget(t, s, f, true), 32<<20, 32)
}

func TestTwakeFaults(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--faults", faultSpec+",seed=33")
	f := ferrytest.NewEnv(t, "")
	faultScenario(t, s, f, twakeTarget(t, s, f, true), 24<<20, 33)
}

// TestTwakeForgottenFilesDrive lets the sandbox forget file entities at
// random (the core's "expire" fault) and answer 404 for them, as Twake
// Drive legacy does: the client must start those files over and leave no
// partial entity.
func TestTwakeForgottenFilesDrive(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--faults", "expire=0.05,seed=35", "--switch", "twake.tdrive=on")
	f := ferrytest.NewEnv(t, "")
	faultScenario(t, s, f, twakeTarget(t, s, f, true), 16<<20, 35)
}

// TestTwakeForgottenFiles500 is the same with the 500 a Twake server
// answers for an unknown file id. The provider keeps that retryable (it
// cannot be told from a server failure), so a forgotten file is retried
// with growing delays instead of started over. The upload gets 90 seconds.
func TestTwakeForgottenFiles500(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--faults", "expire=0.05,seed=35")
	f := ferrytest.NewEnv(t, "")
	tg := twakeTarget(t, s, f, true)
	files := treeSpec(16 << 20)
	tree := writeTree(t, 36, files)
	uploadAllWithin(t, f, tg, tree, 1, 90*time.Second)
	st := s.MustStats()
	t.Logf("faults injected: %v; twake statuses: %v", st.Faults, st.Statuses["twake"])
	// The test is about files the server forgot and answers 500 for: it
	// proves nothing unless some were forgotten and the client saw the 500
	// (the profile injects no 500 of its own, so each is a forgotten file).
	if st.Faults["expire"] == 0 {
		t.Errorf("the sandbox forgot no file (faults %v): the test proves nothing", st.Faults)
	}
	if st.Statuses["twake"][500] == 0 {
		t.Errorf("no request was answered 500 for a forgotten file (statuses %v): the test proves nothing", st.Statuses["twake"])
	}
	checkUploaded(t, s, tg.api, tg.layout, files, false)
}

// TestTwakeKillResumesChunks kills the upload in the middle of a 48 MiB
// file sent in 1 MiB chunks, four at a time: the next run must resume the
// same file entity and send only the chunks not acknowledged before the
// kill, so the entity gets at most its 48 chunks plus the four that were
// in flight.
func TestTwakeKillResumesChunks(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--faults", "bw=8MB")
	f := ferrytest.NewEnv(t, "")
	const large = 48 << 20
	_, atKill := killScenario(t, s, f, twakeTarget(t, s, f, false), large, 34)
	log := s.MustLog()
	chunks := large / chunkSize
	var largeID string
	for _, e := range s.MustTree("twake") {
		if strings.HasPrefix(e.Path, "/files/") && e.Size == large {
			largeID = path.Base(e.Path) // the entity is named by its Twake file id
		}
	}
	ids := map[string]bool{}
	for _, e := range log {
		if e.API == "twake" && e.Route == sbtwake.RouteChunk {
			p, _, _ := strings.Cut(e.Path, "?")
			ids[p[strings.LastIndex(p, "/")+1:]] = true
		}
	}
	before, after := sbtwake.ChunkPosts(log[:atKill], largeID), sbtwake.ChunkPosts(log[atKill:], largeID)
	t.Logf("large file %s: %d chunks; %d chunk POSTs before the kill, %d after, %d in all (%d file ids got chunks)",
		largeID, chunks, before, after, before+after, len(ids))
	if largeID == "" || before == 0 {
		t.Fatalf("the large file was not being sent at the kill (id %q, %d chunk POSTs before)", largeID, before)
	}
	const inFlight = 4 // the default chunks of one file sent at once
	if total := before + after; total < chunks || total > chunks+inFlight {
		t.Errorf("%d chunk POSTs for a %d-chunk file; want %d to %d: the restart did not send only the missing chunks",
			total, chunks, chunks, chunks+inFlight)
	}
	// Every small file was done before the kill: the restart must resume
	// the large file's entity, not create another.
	if n := countRoute(log[atKill:], sbtwake.RouteInit); n != 0 {
		t.Errorf("%d file entities created after the kill, want 0 (resume the large file's)", n)
	}
}

// countRoute counts the twake log entries of route.
func countRoute(log []sandbox.LogEntry, route string) int {
	n := 0
	for _, e := range log {
		if e.API == "twake" && e.Route == route {
			n++
		}
	}
	return n
}

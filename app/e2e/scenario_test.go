package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// uploadTimeout bounds one `ferry upload` run.
const uploadTimeout = 4 * time.Minute

// faultSpec is the fault profile of the fault scenarios (the issue's),
// with the seed appended per test.
const faultSpec = "500=0.05,502=0.03,503=0.02,reset=0.03,429=0.02,retry-after=1s"

// target is one configured target in a test: where the sandbox keeps its
// files and how to read them back.
type target struct {
	name   string
	api    string // sandbox API (store namespace)
	layout layout
	byName bool // compare base names only (no folders remotely)
	// dataRoute is the route pattern of the requests that carry file
	// bytes, for timing a kill.
	dataRoute string
}

var summaryRE = regexp.MustCompile(`(\d+) uploaded, (\d+) failed, (\d+) cancelled`)

// summary is the last line `ferry upload` printed, or why there is none.
func summary(r ferrytest.Result) string {
	if m := summaryRE.FindString(r.Stdout); m != "" {
		return m
	}
	if strings.Contains(r.Stdout, "nothing to upload") {
		return "nothing to upload"
	}
	return fmt.Sprintf("exit %d, no summary", r.Code)
}

// uploadAll runs the upload until it exits 0, at most runs times, and
// returns how many runs it made and whether the last one succeeded. Runs
// that fail are logged with their summary and error lines: a later run
// retries what stayed in the queue.
func uploadAll(t *testing.T, f *ferrytest.Env, tg target, tree string, runs int) (int, bool) {
	t.Helper()
	return uploadAllWithin(t, f, tg, tree, runs, uploadTimeout)
}

// uploadAllWithin is uploadAll with each run bounded by timeout; a run
// still going then is killed and counts as failed.
func uploadAllWithin(t *testing.T, f *ferrytest.Env, tg target, tree string, runs int, timeout time.Duration) (int, bool) {
	t.Helper()
	for i := 1; i <= runs; i++ {
		r := f.Run(timeout, "", uploadArgs(tg.name, tree)...)
		if r.TimedOut {
			t.Errorf("%s upload run %d: no exit within %s; it printed:\n%s", tg.name, i, timeout, lastLines(r.Stdout, 8))
			continue
		}
		t.Logf("%s upload run %d: %s in %s", tg.name, i, summary(r), r.Took.Round(10*time.Millisecond))
		if r.Code == 0 {
			return i, true
		}
		t.Logf("run %d stderr:\n%s", i, lastLines(r.Stderr, 4))
	}
	t.Errorf("%s: upload still failing after %d runs", tg.name, runs)
	return runs, false
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// checkRerunSendsNothing runs the same upload again: every file must be
// recognised as sent (the sent index), and nothing may reach the server.
func checkRerunSendsNothing(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env, tg target, tree string) {
	t.Helper()
	before := len(s.MustLog())
	r := f.MustRun(uploadTimeout, "", uploadArgs(tg.name, tree)...)
	if !strings.Contains(r.Stdout, "nothing to upload") {
		t.Errorf("second upload of an unchanged tree sent something:\n%s", r.Stdout)
	}
	if after := len(s.MustLog()); after != before+1 { // +1: our own GET /_sandbox/log
		t.Errorf("second upload made %d requests, want none", after-before-1)
	}
}

// plainScenario uploads a fresh tree with a large file of large bytes and
// checks the result and that a second run sends nothing.
func plainScenario(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env, tg target, large int64, seed uint64) {
	t.Helper()
	files := treeSpec(large)
	tree := writeTree(t, seed, files)
	start := time.Now()
	r := f.MustRun(uploadTimeout, "", uploadArgs(tg.name, tree)...)
	t.Logf("%s plain: %s in %s", tg.name, summary(r), time.Since(start).Round(10*time.Millisecond))
	if want := fmt.Sprintf("%d uploaded, 0 failed, 0 cancelled", len(files)); !strings.Contains(r.Stdout, want) {
		t.Errorf("upload summary: %q, want %q", summary(r), want)
	}
	checkUploaded(t, s, tg.api, tg.layout, files, tg.byName)
	checkRerunSendsNothing(t, s, f, tg, tree)
}

// faultScenario uploads a fresh tree against a sandbox started with
// faultSpec, running the command again (at most 5 runs) while files fail,
// and checks the result has no duplicates. It logs the faults injected.
func faultScenario(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env, tg target, large int64, seed uint64) {
	t.Helper()
	files := treeSpec(large)
	tree := writeTree(t, seed, files)
	start := time.Now()
	// Whether or not every file got through, what did arrive must be
	// whole and unique: the check below runs either way.
	runs, _ := uploadAll(t, f, tg, tree, 5)
	st := s.MustStats()
	t.Logf("%s faults: %d run(s) in %s; injected %v; statuses %v", tg.name, runs,
		time.Since(start).Round(10*time.Millisecond), st.Faults, st.Statuses[tg.api])
	if len(st.Faults) == 0 {
		t.Error("the sandbox injected no fault: the scenario tested nothing")
	}
	checkUploaded(t, s, tg.api, tg.layout, files, tg.byName)
}

// dataBytes sums the request bytes of the data route in the log.
func dataBytes(log []sandbox.LogEntry, tg target) int64 {
	var n int64
	for _, e := range log {
		if e.API == tg.api && e.Route == tg.dataRoute {
			n += e.BytesIn
		}
	}
	return n
}

// countData counts the data requests in the log.
func countData(log []sandbox.LogEntry, tg target) int {
	n := 0
	for _, e := range log {
		if e.API == tg.api && e.Route == tg.dataRoute {
			n++
		}
	}
	return n
}

// killScenario starts the upload of a fresh tree, kills it with SIGKILL
// once the data requests carried at least the small files and half the
// large file (the sandbox should run with a bandwidth cap so that this
// moment is not missed), checks the large file is not complete yet, runs
// the same command again and checks the result. It returns the log
// length at the kill, so callers can tell requests before and after.
func killScenario(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env, tg target, large int64, seed uint64) (files []treeFile, logAtKill int) {
	t.Helper()
	files = treeSpec(large)
	tree := writeTree(t, seed, files)
	var small int64
	for _, fl := range files {
		if fl.Size != large {
			small += fl.Size
		}
	}
	threshold := small + large/2
	start := time.Now()
	p := f.Start(uploadArgs(tg.name, tree)...)
	var sent int64
	if !p.WaitUntil(2*time.Minute, func() bool { sent = dataBytes(s.MustLog(), tg); return sent >= threshold }) {
		t.Fatalf("upload did not reach %d bytes within 2 minutes (at %d)\nstdout:\n%s\nstderr:\n%s",
			threshold, sent, p.Stdout(), p.Stderr())
	}
	if !p.Kill9(t) {
		t.Fatalf("upload finished before the kill (the bandwidth cap is too loose):\n%s", p.Stdout())
	}
	logAtKill = len(s.MustLog())
	killedAt := time.Since(start)
	for _, e := range s.MustTree(tg.api) {
		if e.Kind == sandbox.KindFile && e.Size == large && strings.HasSuffix(e.Path+e.Meta["name"]+e.Meta["message"], "large.bin") {
			t.Fatalf("the large file was complete at the kill (%s): the kill tested nothing", e.Path)
		}
	}
	t.Logf("%s kill -9 after %s with %d of %d bytes sent; before the kill it printed:\n%s\n%s",
		tg.name, killedAt.Round(10*time.Millisecond), sent, small+large, lastLines(p.Stdout(), 12), lastLines(p.Stderr(), 5))
	rerun := time.Now()
	runs, _ := uploadAll(t, f, tg, tree, 3)
	log := s.MustLog()
	after := dataBytes(log[logAtKill:], tg)
	t.Logf("%s after kill: %d run(s) in %s; %d data requests with %d bytes after the kill, for %d bytes not acknowledged before it",
		tg.name, runs, time.Since(rerun).Round(10*time.Millisecond), countData(log[logAtKill:], tg), after, small+large-sent)
	if runs != 1 {
		t.Errorf("the run after the kill needed %d runs, want 1", runs)
	}
	checkUploadedAnnounced(t, s, tg.api, tg.layout, files, tg.byName, announcedTwice(t, f))
	return files, logAtKill
}

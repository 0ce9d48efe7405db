package soak

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
)

// TestSoak runs the kill-and-restart soak for every provider in
// -soak.providers and prints one summary line each. Providers run in
// parallel: each has its own sandbox, config, queue and folder.
func TestSoak(t *testing.T) {
	s := resolveSettings()
	t.Logf("soak: seed=%d kills=%d files=%d large=%d faults=%q providers=%s", s.seed, s.kills, s.files, s.large, s.faults, s.providers)
	for i, name := range strings.Split(s.providers, ",") {
		l, ok := layouts[strings.TrimSpace(name)]
		if !ok {
			t.Fatalf("unknown provider %q in -soak.providers", name)
		}
		t.Run(l.api, func(t *testing.T) {
			t.Parallel()
			soakOne(t, l, s, s.seed+int64(i))
		})
	}
}

// soakOne is the whole run for one provider.
func soakOne(t *testing.T, l layout, s settings, seed int64) {
	dir := t.TempDir()
	sb := startSandbox(t, dir, fmt.Sprintf("%s,seed=%d", s.faults, seed))
	env := ferrytest.NewEnv(t, dir)
	// ferry watch talks to the sandbox through a proxy that times kills
	// on request bodies in flight and plays the mute and trickling server.
	px := startProxy(t, strings.TrimPrefix(strings.TrimPrefix(sb.Base, "http://"), "https://"))
	addTarget(t, env, sb, px.base(sb.Base), l)

	w := newWorkload(filepath.Join(dir, "watched"), seed)
	for range s.large {
		w.add(t, true)
	}
	w.addHostile(t)
	for range s.files / 2 {
		w.add(t, false)
	}
	folderArgs := []string{"folder", "add", "--name", "soak", "--path", w.root, "--target", l.api, "--remote-dir", remoteDir}
	if l.overwrite {
		folderArgs = append(folderArgs, "--conflict", "overwrite")
	}
	env.MustRun(cmdTimeout, "", folderArgs...)

	stdout, err := os.Create(filepath.Join(dir, "watch.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(dir, "watch.err"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()

	rng := rand.New(rand.NewPCG(uint64(seed), 11))
	upFor := func() time.Duration {
		return s.minUp + time.Duration(rng.Int64N(int64(s.maxUp-s.minUp)))
	}
	// The rest of the small files arrive in kills+1 batches: some while
	// ferry watch is down, some while it runs.
	batch := max(1, (s.files-s.files/2)/(s.kills+1))
	var ks killStats
	// What the server holds when the queue is cut may be sent again once
	// the cut queue has lost its record; ferry must say so. Every cut
	// adds what the server holds then (a later cut can lose records of
	// uploads made after the first).
	reuploaded := map[string]bool{}
	for k := range s.kills {
		plan := killCycle[k%len(killCycle)]
		runOnce(t, env, px, w, plan, k, batch, upFor, rng, stdout, stderr, &ks)
		if plan == killMidBodyTruncate {
			// Requests the dead process had sent may still be finishing
			// on the server: let it go quiet before taking stock.
			waitQuiet(t, sb, l.api, 500*time.Millisecond)
			tree, err := sb.Tree(l.api)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tree {
				reuploaded[e.SHA256] = true
			}
		}
	}
	// Last run, with its working directory inside the watched folder:
	// once it has looked at the folder, the folder is deleted and made
	// anew under it (the kernel says nothing), and the last files are
	// written into the new one; they must arrive without a restart.
	p := env.StartIn(w.root, stdout, stderr, "watch")
	time.Sleep(s.minUp + s.maxUp)
	recreateRoot(t, w.root)
	for len(w.files) < s.files+s.large+hostileFiles {
		w.add(t, false)
	}
	w.checkLocal(t)
	o := settle(t, sb, l, w, s.settle, stdout.Name())
	if err := p.Stop(os.Interrupt, watchStopGrace); err != nil {
		t.Errorf("ferry watch did not stop cleanly: %v", err)
	}
	tree, err := sb.Tree("")
	if err != nil {
		t.Fatal(err)
	}
	n := announcedTwice(t, env)
	if ks.truncations > 0 {
		if said := queueDamageAnnounced(t, stderr.Name()); said >= ks.truncations {
			n.reuploaded = reuploaded
		} else {
			t.Errorf("the queue file was cut %d times, and ferry watch said the queue was damaged %d times", ks.truncations, said)
		}
	}
	o = verify(l, w, tree, n)
	st, err := sb.Stats()
	if err != nil {
		t.Fatal(err)
	}
	faults := 0
	for _, n := range st.Faults {
		faults += n
	}
	line := fmt.Sprintf("soak %-13s files=%d bytes=%d kills=%d (%d cut a request body) faults=%d lost=%d duplicated=%d corrupt=%d (announced duplicates=%d, refused name twins=%d, refused by the server with a reason=%d, earlier versions kept=%d, leftovers=%d, empty init orphans=%d)",
		l.api, o.files, o.bytes, s.kills, ks.midBody, faults, o.lost, o.duplicated, o.corrupt, o.announced, o.refused, o.rejected, o.earlier, o.leftovers, o.orphans)
	fmt.Println(line)
	t.Log(line)
	for _, pr := range o.problems {
		if strings.HasPrefix(pr, "note: ") {
			t.Log(pr)
			continue
		}
		t.Error(pr)
	}
	if !o.clean() {
		out, err := os.ReadFile(stdout.Name())
		if err != nil {
			t.Error(err)
		}
		t.Logf("ferry watch output (last 3000 bytes):\n%s", tail(out, 3000))
		logLinesAbout(t, o.problems, stdout.Name(), stderr.Name())
		keepEvidence(t, sb, dir, l.api)
	}
	if faults == 0 {
		t.Errorf("the sandbox injected no fault: the run proves nothing about retries")
	}
	// A kill between uploads proves little: at least half of them must
	// have cut a request body on its way.
	if ks.midBody*2 < ks.kills {
		t.Errorf("only %d of %d kills cut a request body in flight: the run proves little about crashes mid-upload", ks.midBody, ks.kills)
	}
}

// logLinesAbout logs every line of files (ferry watch's output and log)
// that names a file one of problems is about ("rel: ..."), by its base
// name: a file's story across kills is rarely in the last lines.
func logLinesAbout(t *testing.T, problems []string, files ...string) {
	t.Helper()
	var names []string
	for _, pr := range problems {
		if rel, _, ok := strings.Cut(pr, ": "); ok && !strings.HasPrefix(pr, "note: ") {
			names = append(names, path.Base(rel))
		}
	}
	if len(names) == 0 {
		return
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Error(err)
			continue
		}
		var about []string
		for _, line := range strings.Split(string(b), "\n") {
			if slices.ContainsFunc(names, func(n string) bool { return strings.Contains(line, n) }) {
				about = append(about, line)
			}
		}
		t.Logf("%s, lines naming %s:\n%s", filepath.Base(f), strings.Join(names, ", "), strings.Join(about, "\n"))
	}
}

// settle polls the tree until the outcome is settled and the sandbox saw
// no request for two seconds (a late duplicate would need one), or until
// limit; it returns the last outcome.
func settle(t *testing.T, sb *ferrytest.Sandbox, l layout, w *workload, limit time.Duration, watchOut string) outcome {
	t.Helper()
	deadline := time.Now().Add(limit)
	var o outcome
	lastCount, quietSince := -1, time.Now()
	for time.Now().Before(deadline) {
		tree, err := sb.Tree("")
		if err != nil {
			t.Fatal(err)
		}
		o = verify(l, w, tree, &notes{failed: failedLines(t, watchOut)})
		st, err := sb.Stats()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range st.Requests[l.api] {
			n += c
		}
		if n != lastCount {
			lastCount, quietSince = n, time.Now()
		}
		if o.settled() && time.Since(quietSince) >= 2*time.Second {
			return o
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Errorf("no clean, quiet state within %v", limit)
	return o
}

// waitQuiet waits (at most 10 s) until the sandbox saw no request of api
// for quiet.
func waitQuiet(t *testing.T, sb *ferrytest.Sandbox, api string, quiet time.Duration) {
	t.Helper()
	last, since := -1, time.Now()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		st, err := sb.Stats()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range st.Requests[api] {
			n += c
		}
		if n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
	}
}

// keepEvidence copies the run's files and the sandbox's views into
// -soak.keep/<api> for a post-mortem.
func keepEvidence(t *testing.T, sb *ferrytest.Sandbox, dir, api string) {
	t.Helper()
	if *flagKeep == "" {
		return
	}
	dst := filepath.Join(*flagKeep, api)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Error(err)
		return
	}
	for _, name := range []string{"watch.out", "watch.err", "sandbox.err"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			err = os.WriteFile(filepath.Join(dst, name), b, 0o644)
		}
		if err != nil {
			t.Error(err)
		}
	}
	// The queue (jobs, sessions, sent index, history) and the log files
	// say what ferry watch thought of each file.
	if err := os.CopyFS(filepath.Join(dst, "data"), os.DirFS(filepath.Join(dir, "data"))); err != nil {
		t.Error(err)
	}
	for _, view := range []string{"tree", "log", "stats"} {
		var v any
		err := sb.GetJSON("/_sandbox/"+view, &v)
		if err == nil {
			var b []byte
			if b, err = json.MarshalIndent(v, "", " "); err == nil {
				err = os.WriteFile(filepath.Join(dst, view+".json"), b, 0o644)
			}
		}
		if err != nil {
			t.Error(err)
		}
	}
	t.Logf("evidence kept in %s", dst)
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// addTarget makes the provider's target with the sandbox's credentials
// (piped in with --secret-stdin, as a script would) and a 1 MiB chunk size
// so the large files take several chunks.
func addTarget(t *testing.T, env *ferrytest.Env, sb *ferrytest.Sandbox, url string, l layout) {
	t.Helper()
	args := []string{"target", "add", "--no-test", "--name", l.api, "--kind", l.api, "--url", url, "--secret-stdin", "--chunk-size", "1MiB"}
	var secret string
	switch l.api {
	case "quatrix":
		secret = sb.MustCredential("quatrix", "api-key", "user@example.com")
	case "twake":
		secret = sb.MustCredential("twake", "token", "jwt")
		if sb.CompanyID == "" {
			t.Fatal("sandbox printed no twake company id")
		}
		args = append(args, "--company-id", sb.CompanyID, "--keep-path-in-name")
	case "filesro":
		secret = sb.MustCredential("filesro", "share-token", "editor")
	case "selfcommunity":
		secret = sb.MustCredential("selfcommunity", "token", "alice")
		args = append(args, "--dialect", "plain")
	}
	env.MustRun(cmdTimeout, secret+"\n", args...)
}

package soak

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
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
	addTarget(t, env, sb, l)

	w := newWorkload(filepath.Join(dir, "watched"), seed)
	for range s.large {
		w.add(t, true)
	}
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
	for k := range s.kills {
		p := env.StartTo(stdout, stderr, "watch")
		if k%2 == 1 {
			// Rewrite while uploads run.
			time.Sleep(upFor() / 2)
			w.mutate(t, batch)
		}
		time.Sleep(upFor())
		if !p.Kill9(t) {
			t.Fatalf("ferry watch exited before it was killed: %v", p.Err())
		}
		if k%2 == 0 {
			w.mutate(t, batch)
		}
	}
	for len(w.files) < s.files+s.large {
		w.add(t, false)
	}
	w.checkLocal(t)

	// Last run: no more changes; wait until the tree is right and quiet.
	p := env.StartTo(stdout, stderr, "watch")
	o := settle(t, sb, l, w, s.settle)
	if err := p.Stop(os.Interrupt, watchStopGrace); err != nil {
		t.Errorf("ferry watch did not stop cleanly: %v", err)
	}
	tree, err := sb.Tree("")
	if err != nil {
		t.Fatal(err)
	}
	o = verify(l, w, tree, announcedTwice(t, env))
	st, err := sb.Stats()
	if err != nil {
		t.Fatal(err)
	}
	faults := 0
	for _, n := range st.Faults {
		faults += n
	}
	line := fmt.Sprintf("soak %-13s files=%d bytes=%d kills=%d faults=%d lost=%d duplicated=%d corrupt=%d (announced duplicates=%d, earlier versions kept=%d, leftovers=%d, empty init orphans=%d)",
		l.api, o.files, o.bytes, s.kills, faults, o.lost, o.duplicated, o.corrupt, o.announced, o.earlier, o.leftovers, o.orphans)
	fmt.Println(line)
	t.Log(line)
	for _, pr := range o.problems {
		t.Error(pr)
	}
	if !o.clean() {
		out, err := os.ReadFile(stdout.Name())
		if err != nil {
			t.Error(err)
		}
		t.Logf("ferry watch output (last 3000 bytes):\n%s", tail(out, 3000))
		keepEvidence(t, sb, dir, l.api)
	}
	if faults == 0 {
		t.Errorf("the sandbox injected no fault: the run proves nothing about retries")
	}
}

// settle polls the tree until the outcome is settled and the sandbox saw
// no request for two seconds (a late duplicate would need one), or until
// limit; it returns the last outcome.
func settle(t *testing.T, sb *ferrytest.Sandbox, l layout, w *workload, limit time.Duration) outcome {
	t.Helper()
	deadline := time.Now().Add(limit)
	var o outcome
	lastCount, quietSince := -1, time.Now()
	for time.Now().Before(deadline) {
		tree, err := sb.Tree("")
		if err != nil {
			t.Fatal(err)
		}
		o = verify(l, w, tree, nil)
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
func addTarget(t *testing.T, env *ferrytest.Env, sb *ferrytest.Sandbox, l layout) {
	t.Helper()
	args := []string{"target", "add", "--name", l.api, "--kind", l.api, "--url", sb.Base, "--secret-stdin", "--chunk-size", "1MiB"}
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

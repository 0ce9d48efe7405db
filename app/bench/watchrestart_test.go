package bench

import (
	"fmt"
	"strings"
	"time"
)

// watchSetupTimeout bounds the setup upload of the whole scan tree by
// `ferry watch` (100,000 small files on a loaded machine).
const watchSetupTimeout = 40 * time.Minute

// watchRestarts times a restart of the real program over a tree it has
// uploaded already: once, as setup (not timed), a fresh user's `ferry
// watch` uploads the scan tree to a live sandbox's files.ro API until
// every file is reported uploaded, and stops; then r.runs restarts of
// `ferry watch` are timed from the process's start to its "folder scan:
// ok" line (the restart's scan complete, nothing to send), each right
// after find over the same tree (paired). A restart that uploads anything
// is an error: the tree did not change.
func (r *runner) watchRestarts() {
	s := r.res.get("watch-restart", "", fmt.Sprintf("ferry watch: restart over %d unchanged, uploaded files", r.sz.ScanFiles), "s", false)
	err := r.withSandbox(func(sb *sandboxProc) error {
		env := r.freshEnv()
		if err := addTarget(env, sb, "filesro", "bench"); err != nil {
			return err
		}
		if _, _, err := env.run(time.Minute, "", "folder", "add", "--name", "scan", "--path", r.scanDir, "--target", "bench",
			"--remote-dir", "restart"); err != nil {
			return err
		}
		if err := r.watchUploadAll(env); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		for run := range r.runs {
			ref, err := r.findOnce()
			if err != nil {
				return err
			}
			if err := r.watchRestartOnce(env, s, run, ref); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		r.res.failf("watch restart: %v", err)
		r.t.Errorf("watch restart: %v", err)
	}
}

// watchUploadAll runs `ferry watch` until it reported every file of the
// scan tree uploaded (the queue is empty then), and stops it.
func (r *runner) watchUploadAll(env ferryEnv) error {
	start := time.Now()
	p, err := env.start("watch")
	if err != nil {
		return err
	}
	n, seen := 0, 0
	var failed string
	err = p.waitFor(watchSetupTimeout, fmt.Sprintf("%d uploaded lines", r.sz.ScanFiles), func(stdout, _ []string) bool {
		for _, l := range stdout[seen:] {
			seen++
			switch {
			case strings.Contains(l, " uploaded "):
				n++
			case strings.Contains(l, " FAILED "):
				failed = l
				return true
			}
		}
		return n >= r.sz.ScanFiles
	})
	if _, stopErr := p.interrupt(); err == nil {
		err = stopErr
	}
	if err == nil && failed != "" {
		err = fmt.Errorf("an upload failed: %s", failed)
	}
	if err != nil {
		return err
	}
	r.t.Logf("watch restart setup: %d files uploaded by ferry watch in %s", n, time.Since(start).Round(time.Second))
	return nil
}

func (r *runner) watchRestartOnce(env ferryEnv, s *series, run int, ref float64) error {
	took, u, p, err := watchToScanOK(env)
	if err != nil {
		return err
	}
	p.mu.Lock()
	uploaded := hasLine(p.stdout, " uploaded ")
	p.mu.Unlock()
	if uploaded {
		return fmt.Errorf("restart %d uploaded files of an unchanged tree:\n%s", run+1, p.tails())
	}
	s.add(sample{Value: took.Seconds(), Wall: took.Seconds(), CPU: u.CPU.Seconds(), MaxRSS: u.MaxRSS, Ref: ref})
	r.t.Logf("watch restart run %d: %s (find %.2f s), cpu over the process's life %s, rss %d MiB",
		run+1, took.Round(time.Millisecond), ref, u.CPU.Round(time.Millisecond), u.MaxRSS>>20)
	return nil
}

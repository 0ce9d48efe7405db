package bench

import (
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// watchScans times the startup scan and enqueue of the scan tree in the
// real program: a fresh user's `ferry watch` over a folder of r.sz.ScanFiles
// new files, from the process's start to its "folder scan: ok" line (the
// first full scan complete, every file handed to the queue), r.runs
// times, each right after find over the same tree (paired). The target is
// a files.ro server that is not there (a closed loopback port): the
// uploads fail at once and back off, so they do not compete with the scan
// (with a live server they do; the in-process scan rows show the scan
// alone).
func (r *runner) watchScans() {
	s := r.res.get("watch-scan", "", fmt.Sprintf("ferry watch: first scan + enqueue of %d new files", r.sz.ScanFiles), "s", false)
	for run := range r.runs {
		ref, err := r.findOnce()
		if err != nil {
			r.res.failf("watch scan: %v", err)
			r.t.Errorf("watch scan: %v", err)
			return
		}
		if err := r.watchScanOnce(s, run, ref); err != nil {
			r.res.failf("watch scan: %v", err)
			r.t.Errorf("watch scan: %v", err)
			return
		}
	}
}

func (r *runner) watchScanOnce(s *series, run int, ref float64) error {
	env := r.freshEnv()
	if _, _, err := env.run(time.Minute, "not-a-real-token\n", "target", "add", "--no-test", "--name", "bench", "--kind", "filesro",
		"--url", "http://127.0.0.1:9", "--secret-stdin"); err != nil {
		return err
	}
	if _, _, err := env.run(time.Minute, "", "folder", "add", "--name", "scan", "--path", r.scanDir, "--target", "bench",
		"--remote-dir", fmt.Sprintf("scan%d", run)); err != nil {
		return err
	}
	took, u, _, err := watchToScanOK(env)
	if err != nil {
		return err
	}
	s.add(sample{Value: took.Seconds(), Wall: took.Seconds(), CPU: u.CPU.Seconds(), MaxRSS: u.MaxRSS, Ref: ref})
	r.t.Logf("watch scan run %d: %s (find %.2f s), cpu over the process's life %s, rss %d MiB",
		run+1, took.Round(time.Millisecond), ref, u.CPU.Round(time.Millisecond), u.MaxRSS>>20)
	return nil
}

// watchToScanOK syncs the disk, starts `ferry watch` in env and stops it
// (SIGINT) once it printed "folder scan: ok", and returns the time from
// its start to that line, the process's usage and the process (its output
// stays readable).
func watchToScanOK(env ferryEnv) (time.Duration, usage, *lineProc, error) {
	syncDisk()
	start := time.Now()
	p, err := env.start("watch")
	if err != nil {
		return 0, usage{}, nil, err
	}
	if err := p.waitFor(5*time.Minute, "the scan's ok line", func(_, stderr []string) bool {
		return hasLine(stderr, "folder scan: ok")
	}); err != nil {
		_, _ = p.interrupt()
		return 0, usage{}, nil, err
	}
	p.mu.Lock()
	took := p.lastLine.Sub(start)
	p.mu.Unlock()
	u, err := p.interrupt()
	return took, u, p, err
}

// findOnce times find -printf '%s %T@\n' over the scan tree, in seconds,
// after syncing the disk (the same command as findBaseline).
func (r *runner) findOnce() (float64, error) {
	syncDisk()
	cmd := exec.Command("find", r.scanDir, "-type", "f", "-printf", `%s %T@\n`)
	cmd.Stdout = io.Discard
	var errOut strings.Builder
	cmd.Stderr = &errOut
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("find: %w: %s", err, errOut.String())
	}
	return time.Since(start).Seconds(), nil
}

package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// burstFolders is how many folders the burst's files land in.
const burstFolders = 100

// bursts writes r.sz.Burst files (1-16 KiB, in new folders) into a
// folder `ferry watch` already watches, and times from the first write to
// the last "uploaded" line (the last byte acknowledged), r.burstRuns times,
// each as a fresh user. It records files/s, and the watch process's CPU
// and peak RSS over its whole life.
func (r *runner) bursts(provider string) {
	s := r.res.get("burst", provider, fmt.Sprintf("%d-file burst, first write to last upload", r.sz.Burst), "files/s", true)
	err := r.withSandbox(func(sb *sandboxProc) error {
		for run := range r.burstRuns {
			if err := r.burstOnce(sb, s, provider, run); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		r.res.failf("%s burst: %v", provider, err)
		r.t.Errorf("%s burst: %v", provider, err)
	}
}

func (r *runner) burstOnce(sb *sandboxProc, s *series, provider string, run int) error {
	env := r.freshEnv()
	if err := addTarget(env, sb, provider, "bench"); err != nil {
		return err
	}
	dir := filepath.Join(r.work, fmt.Sprintf("burst-%s-%d", provider, run))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("burst folder: %w", err)
	}
	// The burst's files stay until the harness removes its work folder:
	// see keepManyFiles.
	if _, _, err := env.run(time.Minute, "", "folder", "add", "--name", "burst", "--path", dir, "--target", "bench",
		"--remote-dir", fmt.Sprintf("burst%d", run)); err != nil {
		return err
	}
	p, err := env.start("watch")
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			_, _ = p.interrupt() // an earlier error is the one to report
		}
	}()
	if err := p.waitFor(2*time.Minute, "watching line", func(_, stderr []string) bool {
		return hasLine(stderr, "folder burst: ok")
	}); err != nil {
		return err
	}
	syncDisk()
	sbCPU := sb.cpu()
	start := time.Now()
	if _, err := writeFiles(dir, r.sz.Burst, burstFolders, 1<<10, 16<<10, uint64(run)+100); err != nil {
		return err
	}
	wrote := time.Since(start)
	var last time.Time
	var failed string
	n, seen := 0, 0 // lines counted so far: waitFor wakes once per line
	err = p.waitFor(uploadTimeout, fmt.Sprintf("%d uploaded lines", r.sz.Burst), func(stdout, _ []string) bool {
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
		last = p.lastLine
		return n >= r.sz.Burst
	})
	if err != nil {
		return err
	}
	if failed != "" {
		return fmt.Errorf("burst upload failed: %s", failed)
	}
	took := last.Sub(start)
	sbCPU = sb.cpu() - sbCPU
	stopped = true
	u, err := p.interrupt()
	if err != nil {
		return err
	}
	v := float64(r.sz.Burst) / took.Seconds()
	s.add(sample{
		Value: v, Wall: took.Seconds(), CPU: u.CPU.Seconds(), MaxRSS: u.MaxRSS,
		SandboxCPU: sbCPU.Seconds(), SandboxRSS: sb.peakRSS(),
	})
	r.t.Logf("%s burst run %d: %.0f files/s (%s; writing took %s), cpu %s, rss %d MiB", provider, run+1, v,
		took.Round(time.Millisecond), wrote.Round(time.Millisecond), u.CPU.Round(time.Millisecond), u.MaxRSS>>20)
	return nil
}

// hasLine reports whether a line contains sub.
func hasLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

package bench

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// sandboxTargetFiles is the number of stored files issue 20 bounds the
// sandbox's RSS after: "RSS under 80 MiB after 80,000 files".
const sandboxTargetFiles = 80_000

// noteTinyFiles counts stored more files in the shared tiny sandbox sb
// and, the first time the count reaches sandboxTargetFiles, records the
// sandbox's peak RSS so far as the "sandbox-first" row: the issue's
// figure, whichever services' files made it up (the harness runs them in
// the order of providers). The row after every tiny run (sandbox-tiny)
// stays, as information.
func (r *runner) noteTinyFiles(sb *sandboxProc, stored int) {
	r.tinyFiles += stored
	if r.tinyAtTarget || r.tinyFiles < sandboxTargetFiles {
		return
	}
	r.tinyAtTarget = true
	rss, cpu := sb.peakRSS(), sb.cpu()
	s := r.res.get("sandbox-first", "", fmt.Sprintf("ferry sandbox after the first %d files stored (the tiny runs so far)", r.tinyFiles), "MiB", false)
	s.add(sample{Value: mib(rss), CPU: cpu.Seconds(), MaxRSS: rss, SandboxCPU: cpu.Seconds(), SandboxRSS: rss})
	r.t.Logf("sandbox after the first %d files: peak RSS %d MiB, cpu %s", r.tinyFiles, rss>>20, cpu.Round(time.Millisecond))
}

// The sandbox runs in its own process, so what it costs is measured apart
// from the measured command: a measurement whose sandbox is the
// bottleneck says nothing about Ferry (issue 20).

// clockTick is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on
// every Linux the harness runs on).
const clockTick = 10 * time.Millisecond

// procCPU is the user + system CPU time process pid has used so far, from
// /proc/PID/stat; ok is false where there is no /proc.
func procCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command (field 2) may hold spaces; the fields after it follow
	// its closing parenthesis: state is field 3, utime 14, stime 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	var ut, st int64
	if _, err := fmt.Sscan(f[11], &ut); err != nil {
		return 0, false
	}
	if _, err := fmt.Sscan(f[12], &st); err != nil {
		return 0, false
	}
	return time.Duration(ut+st) * clockTick, true
}

// cpu is the sandbox's CPU time so far (0 without /proc).
func (p *sandboxProc) cpu() time.Duration {
	d, _ := procCPU(p.cmd.Process.Pid)
	return d
}

// peakRSS is the sandbox's peak RSS so far (VmHWM, bytes; 0 without /proc).
func (p *sandboxProc) peakRSS() int64 {
	v, _ := readHWM(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	return v
}

// verify runs the checks of the files curl baselines stored (see
// curlSmall), then forgets them. It runs when the sandbox's own figures
// are taken, never between: listing a store of many files costs the
// sandbox memory that would count as its peak.
func (p *sandboxProc) verify() error {
	checks := p.checks
	p.checks = nil
	for _, c := range checks {
		if err := p.checkStored(c.provider, c.files); err != nil {
			return fmt.Errorf("%s: %w", c.what, err)
		}
	}
	return nil
}

// pendingCheck is one curl baseline's files, checked later by verify.
type pendingCheck struct {
	what, provider string
	files          storedCheck
}

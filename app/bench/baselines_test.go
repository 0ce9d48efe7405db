package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// timed runs a command (bounded by ten minutes) and returns its wall time,
// standard output and usage.
func timed(name string, args ...string) (usage, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	u := usage{Wall: time.Since(start)}
	if err != nil {
		return u, "", fmt.Errorf("%s: %w: %s", name, err, tail(errOut.String(), 3))
	}
	u.CPU = processCPU(cmd.ProcessState)
	return u, out.String(), nil
}

// baselines measures the machine's limits, r.runs times each: curl -T of
// the big file to the sandbox's plain sink (loopback + disk), sha256sum of
// it (hashing) and find over the scan tree (directory reading).
func (r *runner) baselines() {
	curl := r.res.get("baseline", "", "curl -T to the sandbox sink", "MB/s", true)
	err := r.withSandbox(func(sb *sandboxProc) error {
		for range r.runs {
			syncDisk()
			v, u, err := r.curlSink(sb)
			if err != nil {
				return err
			}
			curl.add(sample{Value: v, Wall: u.Wall.Seconds(), CPU: u.CPU.Seconds()})
		}
		return nil
	})
	if err != nil {
		r.res.failf("curl baseline: %v", err)
		r.t.Errorf("curl baseline: %v", err)
	}
	sha := r.res.get("baseline", "", "sha256sum of the big file", "MB/s", true)
	for range r.runs {
		syncDisk()
		u, _, err := timed("sha256sum", r.bigFile)
		if err != nil {
			r.res.failf("sha256sum baseline: %v", err)
			r.t.Errorf("sha256sum baseline: %v", err)
			break
		}
		sha.add(sample{Value: float64(r.sz.Big) / u.Wall.Seconds() / 1e6, Wall: u.Wall.Seconds(), CPU: u.CPU.Seconds()})
	}
	r.findBaseline()
}

// curlSink sends the big file with curl -T to sb's plain sink and returns
// the rate in MB/s.
func (r *runner) curlSink(sb *sandboxProc) (float64, usage, error) {
	u, out, err := timed("curl", "-sS", "--fail", "-T", r.bigFile, sb.base+"/_sandbox/sink")
	if err != nil {
		return 0, u, err
	}
	var res sandbox.SinkResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		return 0, u, fmt.Errorf("curl: sink answer %q: %w", out, err)
	}
	if res.Size != r.sz.Big {
		return 0, u, fmt.Errorf("curl: the sink got %d bytes, want %d", res.Size, r.sz.Big)
	}
	return float64(r.sz.Big) / u.Wall.Seconds() / 1e6, u, nil
}

// findBaseline times find -printf '%s %T@\n' over the scan tree (what a
// scan must learn: size and mtime of every file), in seconds.
func (r *runner) findBaseline() {
	find := r.res.get("baseline", "", "find -printf over the scan tree", "s", false)
	for range r.runs {
		syncDisk()
		cmd := exec.Command("find", r.scanDir, "-type", "f", "-printf", `%s %T@\n`)
		cmd.Stdout = io.Discard
		cmd.Stderr = os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			r.res.failf("find baseline: %v", err)
			r.t.Errorf("find baseline: %v", err)
			return
		}
		wall := time.Since(start)
		find.add(sample{Value: wall.Seconds(), Wall: wall.Seconds(), CPU: processCPU(cmd.ProcessState).Seconds()})
	}
}

package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// issue20Results is a run with every issue 20 row: filesro's RSS grows
// with the files (not flat), quatrix's does not; the restart is 1.2 ×
// find in its median run; the tiny sandbox is over 80 MiB after its
// first 80,000 files, the Twake one under; SelfCommunity without the MD5 takes 0.9 of curl's time.
func issue20Results() *results {
	r := sampleResults()
	add := func(group, provider, name, unit string, higher bool, vals ...sample) {
		s := r.get(group, provider, name, unit, higher)
		for _, v := range vals {
			s.add(v)
		}
	}
	add("small", "quatrix", "2000 files", "files/s", true, sample{Value: 100, Ref: 125, CPU: 4, RefCPU: 1, MaxRSS: 34 << 20})
	add("tiny", "quatrix", "20000 files", "files/s", true, sample{Value: 100, Ref: 110, MaxRSS: 36 << 20})
	r.find("small", "filesro").Samples[0].MaxRSS = 34 << 20
	add("tiny", "filesro", "20000 files", "files/s", true, sample{Value: 200, MaxRSS: 53 << 20})
	add("watch-restart", "", "restart", "s", false,
		sample{Value: 1.0, Ref: 1.0}, sample{Value: 1.2, Ref: 1.0}, sample{Value: 3.0, Ref: 1.0})
	add("sandbox-tiny", "", "sandbox after tiny", "MiB", false, sample{Value: 266, SandboxRSS: 266 << 20})
	add("sandbox-first", "", "sandbox after the first 80000", "MiB", false, sample{Value: 90, SandboxRSS: 90 << 20})
	r.find("twake-parallel", "twake ×4").Samples[0].SandboxRSS = 40 << 20
	add("big", "selfcommunity", "one 1 GiB file", "MB/s", true, sample{Value: 300, Wall: 4, CPU: 3})
	add("big-no-md5", "selfcommunity no_md5", "one 1 GiB file, no_md5", "MB/s", true,
		sample{Value: 500, Ref: 450, Wall: 2, CPU: 1})
	return r
}

func TestIssue20Targets(t *testing.T) {
	got := map[string]target{}
	for _, tg := range targets(issue20Results()) {
		got[tg.What] = tg
	}
	find := func(prefix string) target {
		t.Helper()
		for what, tg := range got {
			if strings.HasPrefix(what, prefix) {
				return tg
			}
		}
		t.Fatalf("no target %q among %v", prefix, got)
		return target{}
	}
	for _, tc := range []struct {
		prefix, figure string
		met            bool
	}{
		{"filesro: `ferry upload` peak RSS flat", "1.56×", false},
		{"quatrix: `ferry upload` peak RSS flat", "1.06×", true},
		{"ferry watch: unchanged restart", "1.20 × find (median of 3 paired runs, 1.00-3.00)", true},
		{"ferry sandbox: peak RSS < 80 MiB after 80000 files", "90.0 MiB (sandbox after the first 80000)", false},
		{"ferry sandbox: peak RSS < 80 MiB during the big Twake", "40.0 MiB", true},
		{"selfcommunity, no_md5 = true", "0.90 × curl's time", true},
		{"2000 files (quatrix): time ≤ 1.25", "1.25 × curl", true},
		{"2000 files (quatrix): CPU per file ≤ 2", "4.00 × curl", false},
	} {
		tg := find(tc.prefix)
		if tg.Met != tc.met || !strings.Contains(tg.Figure, tc.figure) {
			t.Errorf("%s: %+v, want met=%v with %q", tc.prefix, tg, tc.met, tc.figure)
		}
	}
}

// TestPairedReport: results.md gives min / median / max of the per-run
// ratios for every series with a baseline, the MD5's cost, what each
// scenario times, and the sandbox's columns.
func TestPairedReport(t *testing.T) {
	dir := t.TempDir()
	r := issue20Results()
	if err := writeReport(dir, r); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| restart | – | find -printf '%s %T@' over the tree, just before | 1.00 / 1.20 / 3.00 | – | 3 |",
		"| 2000 files | quatrix | curl, the service's minimum requests per file, 4 streams (curlSmall), mean of the runs just before and just after | 1.25 / 1.25 / 1.25 | 4.00 / 4.00 / 4.00 | 1 |",
		"| one 1 GiB file, no_md5 | selfcommunity no_md5 | curl -T of the file to the sandbox's sink (median of 3 runs, just before) | 0.90 / 0.90 / 0.90 | – | 1 |",
		"2.00 s without (+100% time), 3.00 vs 1.00 CPU s (+2.00 CPU s)",
		"- **watch-restart**: ", "- **tiny**: ",
		"| sandbox after tiny | – | 266 | MiB | 0% | 1 | 0.00 | – | 0.00 | 266.0 |",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
}

// The sandbox's target is its RSS after the first 80,000 files, not after
// every tiny run; a run that stored fewer says so and does not meet it;
// noteTinyFiles records the row once, when the count reaches 80,000.
func TestSandboxTargetAfterFirstFiles(t *testing.T) {
	r := sampleResults()
	r.get("sandbox-tiny", "", "sandbox after tiny", "MiB", false).add(sample{Value: 266, SandboxRSS: 266 << 20})
	find := func() target {
		for _, tg := range issue20Targets(r) {
			if strings.HasPrefix(tg.What, "ferry sandbox: peak RSS < 80 MiB after 80000 files") {
				return tg
			}
		}
		t.Fatal("no sandbox target")
		return target{}
	}
	if tg := find(); tg.Met || !strings.Contains(tg.Figure, "not measured") {
		t.Errorf("without the 80,000-file row: %+v, want not measured", tg)
	}
	r.get("sandbox-first", "", "first", "MiB", false).add(sample{Value: 70, SandboxRSS: 70 << 20})
	if tg := find(); !tg.Met || !strings.Contains(tg.Figure, "70.0 MiB") {
		t.Errorf("70 MiB after 80,000 files: %+v, want met", tg)
	}

	run := &runner{t: t, res: &results{}}
	sb := &sandboxProc{cmd: exec.Command("true")}
	if err := sb.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer sb.cmd.Wait()
	for _, n := range []int{40_000, 39_999, 1, 40_000} {
		run.noteTinyFiles(sb, n)
	}
	s := run.res.find("sandbox-first", "")
	if s == nil || len(s.Samples) != 1 || !strings.Contains(s.Name, "first 80000 files") {
		t.Fatalf("sandbox-first after 40,000 + 39,999 + 1 + 40,000 files: %+v, want one sample named for 80000", s)
	}
}

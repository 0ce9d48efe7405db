package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestHarness runs every scenario and writes the report to -out. See the
// package doc for how to run it.
func TestHarness(t *testing.T) {
	if *flagOut == "" {
		t.Skip("the harness runs only when asked: go test ./app/bench -run TestHarness -args -out DIR [-quick]")
	}
	out, err := filepath.Abs(*flagOut)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if *flagFrom != "" {
		raw, err := os.ReadFile(*flagFrom)
		if err != nil {
			t.Fatal(err)
		}
		var res results
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatalf("read %s: %v", *flagFrom, err)
		}
		if err := writeReport(out, &res); err != nil {
			t.Fatal(err)
		}
		return
	}
	work, err := os.MkdirTemp(*flagWork, "ferry-bench-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(work); err != nil {
			t.Errorf("remove scratch folder: %v", err)
		}
	})
	r := &runner{t: t, work: work, runs: *flagRuns, burstRuns: *flagBurst, sz: fullSizes}
	if *flagQuick {
		r.runs, r.burstRuns, r.sz = 1, 1, quickSizes
	}
	if r.burstRuns == 0 {
		r.burstRuns = r.runs
	}
	if r.runs < 1 || r.burstRuns < 1 {
		t.Fatalf("-runs %d, -burst-runs %d: need at least one run", r.runs, r.burstRuns)
	}
	r.bin = ferryBinary(t, work)
	r.res = &results{
		Started: time.Now().UTC().Format(time.RFC3339), Quick: *flagQuick, Runs: r.runs, BurstRun: r.burstRuns, Sizes: r.sz,
		CPUs: runtime.NumCPU(), LoadAvg: []string{loadAvg()},
	}

	r.prepare()
	for _, sc := range r.scenarios() {
		if !picked(sc.name, *flagOnly) {
			continue
		}
		start := time.Now()
		sc.run()
		t.Logf("scenario %s: %s (load %s)", sc.name, time.Since(start).Round(time.Second), loadAvg())
		// The report so far, so that an interrupted run still leaves one.
		if err := writeReport(out, r.res); err != nil {
			t.Fatal(err)
		}
	}
	r.finishTinySandbox() // when -only picked some tiny scenarios but not tiny/sandbox
	r.res.LoadAvg = append(r.res.LoadAvg, loadAvg())
	if err := writeReport(out, r.res); err != nil {
		t.Fatal(err)
	}
	t.Logf("report written to %s", out)
}

// prepare writes the workloads once: they are read-only afterwards.
func (r *runner) prepare() {
	start := time.Now()
	r.bigFile = filepath.Join(r.work, "big.bin")
	if err := writeRandom(r.bigFile, r.sz.Big, 1); err != nil {
		r.t.Fatal(err)
	}
	r.smallDir = filepath.Join(r.work, "small")
	if _, err := writeFiles(r.smallDir, r.sz.Small, r.sz.SmallDirs, 1<<10, 64<<10, 2); err != nil {
		r.t.Fatal(err)
	}
	r.tinyDir = filepath.Join(r.work, "tiny")
	if r.sz.Tiny > 0 {
		if _, err := writeFiles(r.tinyDir, r.sz.Tiny, 100, 1<<10, 1<<10, 6); err != nil {
			r.t.Fatal(err)
		}
	}
	r.scDir = filepath.Join(r.work, "sc")
	if _, err := writeFiles(r.scDir, r.sz.SCFiles, 10, 1_000_000, 10_000_000, 3); err != nil {
		r.t.Fatal(err)
	}
	r.scanDir = filepath.Join(r.work, "scan")
	if _, err := writeFiles(r.scanDir, r.sz.ScanFiles, r.sz.ScanFiles/100, 0, 99, 4); err != nil {
		r.t.Fatal(err)
	}
	r.t.Logf("workloads written in %s", time.Since(start).Round(time.Second))
}

type scenario struct {
	name string
	run  func()
}

// scenarios lists what TestHarness runs, in order; -only picks by name.
func (r *runner) scenarios() []scenario {
	bigName := fmt.Sprintf("one %s file", sizeName(r.sz.Big))
	smallName := fmt.Sprintf("%d files of 1-64 KiB in %d folders", r.sz.Small, r.sz.SmallDirs)
	var list []scenario
	list = append(list, scenario{"baselines", r.baselines})
	for _, p := range providers {
		list = append(list, scenario{"big/" + p, func() {
			r.uploadRuns(r.res.get("big", p, bigName, "MB/s", true), p, r.bigFile, 1, r.sz.Big, false, true)
		}})
	}
	list = append(list, scenario{"big-no-md5/selfcommunity", func() {
		// The same upload without the whole-file MD5 (no_md5 = true): what
		// the checksum costs when both ends share two cores.
		s := r.res.get("big-no-md5", "selfcommunity no_md5", bigName+", no_md5 = true", "MB/s", true)
		r.uploadRuns(s, "selfcommunity", r.bigFile, 1, r.sz.Big, false, true, "--no-md5")
	}})
	list = append(list, scenario{"rss-flat/filesro", func() {
		// The same upload at an eighth of the size: peak RSS must not follow.
		small := filepath.Join(r.work, "eighth.bin")
		if err := writeRandom(small, r.sz.Big/8, 5); err != nil {
			r.t.Fatal(err)
		}
		defer os.Remove(small)
		r.uploadRuns(r.res.get("big-eighth", "filesro", fmt.Sprintf("one %s file", sizeName(r.sz.Big/8)), "MB/s", true),
			"filesro", small, 1, r.sz.Big/8, false, false)
	}})
	for _, n := range []int{1, 2, 4} {
		list = append(list, scenario{fmt.Sprintf("twake-parallel/%d", n), func() {
			s := r.res.get("twake-parallel", fmt.Sprintf("twake ×%d", n), fmt.Sprintf("%s, %d parallel chunk(s)", bigName, n), "MB/s", true)
			r.uploadRuns(s, "twake", r.bigFile, 1, r.sz.Big, false, true, "--parallel-chunks", fmt.Sprint(n))
		}})
	}
	for _, p := range providers {
		list = append(list, scenario{"small/" + p, func() {
			r.uploadRuns(r.res.get("small", p, smallName, "files/s", true), p, r.smallDir, r.sz.Small, 0, true, curlSmallProviders[p])
		}})
	}
	if r.sz.Tiny > 0 {
		for _, p := range providers {
			list = append(list, scenario{"tiny/" + p, func() {
				name := fmt.Sprintf("%d files of 1 KiB in 100 folders", r.sz.Tiny)
				r.uploadRuns(r.res.get("tiny", p, name, "files/s", true), p, r.tinyDir, r.sz.Tiny, 0, true, curlSmallProviders[p])
			}})
		}
		// The four tiny scenarios share one sandbox (sandboxFor): its peak
		// RSS once they are done.
		list = append(list, scenario{"tiny/sandbox", r.finishTinySandbox})
	}
	for _, cs := range []struct{ label, short, flag string }{
		{"204,800-byte chunks (default)", "200 KiB parts", ""}, {"4 MiB chunks", "4 MiB parts", "4MiB"},
	} {
		list = append(list, scenario{"sc-chunks/" + cs.label, func() {
			s := r.res.get("sc-chunks", "selfcommunity "+cs.short,
				fmt.Sprintf("%d files of 1-10 MB, %s", r.sz.SCFiles, cs.label), "MB/s", true)
			var extra []string
			if cs.flag != "" {
				extra = []string{"--chunk-size", cs.flag}
			}
			bytes, err := treeBytes(r.scDir)
			if err != nil {
				r.t.Fatal(err)
			}
			r.uploadRuns(s, "selfcommunity", r.scDir, r.sz.SCFiles, bytes, false, false, extra...)
		}})
	}
	list = append(list, scenario{"scan", r.scanRuns}, scenario{"watch-scan", r.watchScans},
		scenario{"watch-restart", r.watchRestarts}, scenario{"idle", r.idleRun})
	for _, p := range providers {
		list = append(list, scenario{"burst/" + p, func() { r.bursts(p) }})
	}
	return list
}

// treeBytes is the total size of the files below root.
func treeBytes(root string) (int64, error) {
	var n int64
	err := filepath.Walk(root, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
		return err
	})
	return n, err
}

// sizeName is "1 GiB", "128 MiB", ...
func sizeName(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// loadAvg is /proc/loadavg's three figures, or "unknown".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// picked reports whether scenario name is one -only asks for: any of its
// comma-separated texts is part of the name (an empty -only picks all).
func picked(name, only string) bool {
	if only == "" {
		return true
	}
	for _, o := range strings.Split(only, ",") {
		if o != "" && strings.Contains(name, o) {
			return true
		}
	}
	return false
}

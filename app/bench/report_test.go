package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// target is one of the issue's targets and whether this run met it.
type target struct {
	What   string
	Figure string // what was measured, as a ratio or value
	Met    bool
}

// targets evaluates the issue's targets on the medians of r. A target
// whose figures are missing is reported as not met.
func targets(r *results) []target {
	var out []target
	var curl float64
	var haveCurl bool
	if s := r.findNamed("baseline", "curl"); s != nil {
		m, ok := s.summarize()
		curl, haveCurl = m.Median, ok
	}
	for _, p := range providers {
		v, ok := r.medianOf("big", p)
		t := target{What: fmt.Sprintf("%s: big file ≥ 0.8 × curl", p)}
		if p == "twake" {
			// The default (4 parallel chunks) ran twice: as the plain big
			// file and in the parallel series. Pool both.
			t.What = "twake (4 parallel chunks, default): big file ≥ 1.0 × curl"
			v, ok = pooledMedian(r.find("big", p), r.find("twake-parallel", "twake ×4"))
		}
		runs := []*series{r.find("big", p)}
		if p == "twake" {
			runs = append(runs, r.find("twake-parallel", "twake ×4"))
		}
		ratio, paired := pairedRatio(runs...)
		switch {
		case paired:
			t.Figure = fmt.Sprintf("%.2f × curl (median of ratios to the curl run just before each; %.0f MB/s)", ratio, v)
		case ok && haveCurl:
			ratio = v / curl
			t.Figure = fmt.Sprintf("%.2f × curl (%.0f / %.0f MB/s)", ratio, v, curl)
		default:
			t.Figure = "not measured"
		}
		t.Met = (paired || ok && haveCurl) && ratio >= 0.8 && (p != "twake" || ratio >= 1.0)
		out = append(out, t)
	}
	best, bestP := 0.0, ""
	for _, p := range providers {
		if v, ok := r.medianOf("small", p); ok && v > best {
			best, bestP = v, p
		}
	}
	out = append(out, target{
		What:   "small files: fastest provider ≥ 300 files/s",
		Figure: fmt.Sprintf("%.0f files/s (%s)", best, bestP), Met: best >= 300,
	})
	var peak int64
	for _, p := range providers {
		if s := r.find("big", p); s != nil {
			if m, ok := s.summarize(); ok {
				peak = max(peak, m.PeakRSS)
			}
		}
	}
	out = append(out, target{
		What:   "peak RSS of `ferry upload` of the big file < 80 MiB (all providers)",
		Figure: fmt.Sprintf("%.1f MiB", float64(peak)/(1<<20)), Met: peak > 0 && peak < 80<<20,
	})
	if a, b := r.find("big", "filesro"), r.find("big-eighth", "filesro"); a != nil && b != nil {
		ma, okA := a.summarize()
		mb, okB := b.summarize()
		t := target{What: "memory flat in file size (filesro: big vs 1/8 size, peak RSS within 25%)", Figure: "not measured"}
		if okA && okB && mb.PeakRSS > 0 {
			ratio := float64(ma.PeakRSS) / float64(mb.PeakRSS)
			t.Figure = fmt.Sprintf("%.2f× (%.1f vs %.1f MiB)", ratio, float64(ma.PeakRSS)/(1<<20), float64(mb.PeakRSS)/(1<<20))
			t.Met = ratio <= 1.25
		}
		out = append(out, t)
	}
	if f := r.findNamed("baseline", "find"); f != nil {
		fm, okF := f.summarize()
		for _, g := range []string{"scan-new", "scan-unchanged"} {
			v, ok := r.medianOf(g, "")
			t := target{What: g + ": ≤ 3 × find", Figure: "not measured"}
			if ok && okF && fm.Median > 0 {
				t.Figure = fmt.Sprintf("%.2f × find (%.2f / %.2f s)", v/fm.Median, v, fm.Median)
				t.Met = v/fm.Median <= 3
			}
			out = append(out, t)
		}
	}
	if s := r.find("watch-scan", ""); s != nil {
		var ratios []float64
		var peak int64
		for _, x := range s.Samples {
			if x.Ref > 0 {
				ratios = append(ratios, x.Value/x.Ref)
			}
			peak = max(peak, x.MaxRSS)
		}
		t := target{What: "ferry watch: first scan + enqueue ≤ 3 × find (whole process, paired)", Figure: "not measured"}
		if len(ratios) > 0 {
			v := median(ratios)
			t.Figure = fmt.Sprintf("%.2f × find (median of %d paired runs, %.2f-%.2f)", v, len(ratios), slices.Min(ratios), slices.Max(ratios))
			t.Met = v <= 3
		}
		out = append(out, t, target{
			What:   "ferry watch: RSS during the scan < 60 MiB",
			Figure: fmt.Sprintf("%.1f MiB", float64(peak)/(1<<20)), Met: peak > 0 && peak < 60<<20,
		})
	}
	for _, g := range []string{"small", "tiny"} {
		for _, p := range providers {
			s := r.find(g, p)
			if s == nil || !curlSmallProviders[p] {
				continue
			}
			out = append(out, curlSmallTargets(s)...)
		}
	}
	out = append(out, issue20Targets(r)...)
	if v, ok := r.medianOf("idle", ""); ok {
		out = append(out, target{What: "idle CPU watching the scan tree < 1% of a core", Figure: fmt.Sprintf("%.3f%%", v), Met: v < 1})
	}
	return out
}

// pairedRatio is the median over every sample with a paired curl rate
// (Ref) of value / Ref; ok is false when no sample has one.
func pairedRatio(ss ...*series) (float64, bool) {
	var ratios []float64
	for _, s := range ss {
		if s != nil {
			for _, x := range s.Samples {
				if x.Ref > 0 {
					ratios = append(ratios, x.Value/x.Ref)
				}
			}
		}
	}
	if len(ratios) == 0 {
		return 0, false
	}
	return median(ratios), true
}

// pooledMedian is the median value over every sample of the series given
// (nil ones skipped); ok is false without samples.
func pooledMedian(ss ...*series) (float64, bool) {
	var vals []float64
	for _, s := range ss {
		if s != nil {
			for _, x := range s.Samples {
				vals = append(vals, x.Value)
			}
		}
	}
	if len(vals) == 0 {
		return 0, false
	}
	return median(vals), true
}

// findNamed is the series of group whose name starts with prefix.
func (r *results) findNamed(group, prefix string) *series {
	for _, s := range r.Series {
		if s.Group == group && strings.HasPrefix(s.Name, prefix) {
			return s
		}
	}
	return nil
}

// markdown renders the report.
func markdown(r *results) string {
	var b strings.Builder
	mode := fmt.Sprintf("full, %d runs per scenario", r.Runs)
	if r.BurstRun != 0 && r.BurstRun != r.Runs {
		mode += fmt.Sprintf(" (%d per watched-folder burst)", r.BurstRun)
	}
	if r.Quick {
		mode = "quick (-quick: smaller sizes, 1 run)"
	}
	fmt.Fprintf(&b, "# Ferry benchmark results\n\n")
	fmt.Fprintf(&b, "Run %s, %s, %d CPUs, load average (1/5/15 min) %s at start and %s at end. ",
		r.Started, mode, r.CPUs, first(r.LoadAvg), last(r.LoadAvg))
	b.WriteString("Everything runs on loopback against `ferry sandbox` in its own process; " +
		"the machine was shared with other builds, so compare the ratios within this run, not the absolute figures.\n\n")
	b.WriteString("Regenerate with `make bench` (see docs/bench/bench.mk). Raw data: results.json. " +
		"What the profiles showed and what was changed: [optimisations.md](optimisations.md).\n\n")
	b.WriteString("![throughput chart](chart.png)\n\n## Targets\n\n| target | measured | met |\n|---|---|---|\n")
	for _, t := range targets(r) {
		met := "no"
		if t.Met {
			met = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.What, t.Figure, met)
	}
	b.WriteString("\n## All scenarios\n\nMedian over the runs; spread is (max − min) / median. " +
		"CPU is the measured process's user + system time (median); RSS its peak (VmHWM sampled every 10 ms, highest run). " +
		"The sandbox columns are the sandbox process's CPU during each run (median) and its peak RSS (highest).\n\n")
	b.WriteString("| scenario | provider | median | unit | spread | runs | CPU s | peak RSS MiB | sandbox CPU s | sandbox peak RSS MiB |\n" +
		"|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Series {
		m, ok := s.summarize()
		if !ok {
			fmt.Fprintf(&b, "| %s | %s | – | %s | – | 0 | – | – | – | – |\n", s.Name, orDash(s.Provider), s.Unit)
			continue
		}
		rss := "–"
		if m.PeakRSS > 0 {
			rss = fmt.Sprintf("%.1f", float64(m.PeakRSS)/(1<<20))
		}
		sbCPU, sbRSS := "–", "–"
		if m.SandboxRSS > 0 {
			sbCPU, sbRSS = fmt.Sprintf("%.2f", m.SandboxCPU), fmt.Sprintf("%.1f", mib(m.SandboxRSS))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.0f%% | %d | %.2f | %s | %s | %s |\n",
			s.Name, orDash(s.Provider), num(m.Median), s.Unit, m.spread(), len(s.Samples), m.MedianCPU, rss, sbCPU, sbRSS)
	}
	b.WriteString(pairedSection(r))
	b.WriteString(timesSection(r))
	if len(r.Failures) > 0 {
		b.WriteString("\n## Not measured\n\n")
		for _, f := range r.Failures {
			fmt.Fprintf(&b, "- %s\n", strings.SplitN(f, "\n", 2)[0])
		}
	}
	return b.String()
}

func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func first(s []string) string {
	if len(s) == 0 {
		return "unknown"
	}
	return s[0]
}

func last(s []string) string {
	if len(s) == 0 {
		return "unknown"
	}
	return s[len(s)-1]
}

// writeReport writes results.md, results.json and chart.png into dir.
func writeReport(dir string, r *results) error {
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(markdown(r)), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return writeChart(filepath.Join(dir, "chart.png"), r)
}

// curlSmallTargets are issue 20's small-file targets for one series paired
// with a 4-stream curl process: time at most 1.25 × curl's and CPU per
// file at most 2 × curl's, each the median of the per-run ratios.
func curlSmallTargets(s *series) []target {
	var times, cpus []float64
	for _, x := range s.Samples {
		if x.Ref > 0 && x.Value > 0 {
			times = append(times, x.Ref/x.Value) // files/s: time ratio is the inverse
		}
		if x.RefCPU > 0 && x.CPU > 0 {
			cpus = append(cpus, x.CPU/x.RefCPU) // same files: CPU per file ratio
		}
	}
	t := target{What: fmt.Sprintf("%s (%s): time ≤ 1.25 × one 4-stream curl process", s.Name, s.Provider), Figure: "not measured"}
	c := target{What: fmt.Sprintf("%s (%s): CPU per file ≤ 2 × that curl's", s.Name, s.Provider), Figure: "not measured"}
	if len(times) > 0 {
		v := median(times)
		t.Figure = fmt.Sprintf("%.2f × curl (median of %d paired runs, %.2f-%.2f)", v, len(times), slices.Min(times), slices.Max(times))
		t.Met = v <= 1.25
	}
	if len(cpus) > 0 {
		v := median(cpus)
		c.Figure = fmt.Sprintf("%.2f × curl (median of %d paired runs, %.2f-%.2f)", v, len(cpus), slices.Min(cpus), slices.Max(cpus))
		c.Met = v <= 2
	}
	return []target{t, c}
}

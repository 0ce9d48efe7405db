package bench

import (
	"fmt"
	"slices"
)

// issue20Targets are issue 20's whole-process targets not covered by
// targets' older rows: memory flat in the number of files, the unchanged
// restart, the sandbox's own memory, and SelfCommunity's big file without
// the MD5. A target whose figures are missing is reported as not met.
func issue20Targets(r *results) []target {
	var out []target
	for _, p := range providers {
		small, tiny := r.find("small", p), r.find("tiny", p)
		if small == nil || tiny == nil {
			continue
		}
		t := target{
			What:   fmt.Sprintf("%s: `ferry upload` peak RSS flat in the number of files (%s vs %s, within 25%%)", p, tiny.Name, small.Name),
			Figure: "not measured",
		}
		ms, okS := small.summarize()
		mt, okT := tiny.summarize()
		if okS && okT && ms.PeakRSS > 0 && mt.PeakRSS > 0 {
			ratio := float64(mt.PeakRSS) / float64(ms.PeakRSS)
			t.Figure = fmt.Sprintf("%.2f× (%.1f vs %.1f MiB)", ratio, mib(mt.PeakRSS), mib(ms.PeakRSS))
			t.Met = ratio <= 1.25
		}
		out = append(out, t)
	}
	if s := r.find("watch-restart", ""); s != nil {
		t := target{What: "ferry watch: unchanged restart to its scan's ok line ≤ 1.5 × find (whole process, paired)", Figure: "not measured"}
		if pr, ok := pairedTime(s); ok {
			t.Figure = fmt.Sprintf("%.2f × find (median of %d paired runs, %.2f-%.2f)", pr.median, pr.n, pr.min, pr.max)
			t.Met = pr.median <= 1.5
		}
		out = append(out, t)
	}
	if r.find("sandbox-tiny", "") != nil {
		// The issue's figure: the peak RSS once the first 80,000 files are
		// stored (noteTinyFiles). The row after all the tiny runs is
		// information (its count depends on -runs and the services run).
		t := target{
			What:   fmt.Sprintf("ferry sandbox: peak RSS < 80 MiB after %d files", sandboxTargetFiles),
			Figure: fmt.Sprintf("not measured (fewer than %d files stored in the tiny runs)", sandboxTargetFiles),
		}
		if s := r.find("sandbox-first", ""); s != nil {
			if m, ok := s.summarize(); ok && m.SandboxRSS > 0 {
				t.Figure = fmt.Sprintf("%.1f MiB (%s)", mib(m.SandboxRSS), s.Name)
				t.Met = m.SandboxRSS < 80<<20
			}
		}
		out = append(out, t)
	}
	if s := r.find("twake-parallel", "twake ×4"); s != nil {
		t := target{What: "ferry sandbox: peak RSS < 80 MiB during the big Twake upload with 4 parallel chunks", Figure: "not measured"}
		if m, ok := s.summarize(); ok && m.SandboxRSS > 0 {
			t.Figure = fmt.Sprintf("%.1f MiB", mib(m.SandboxRSS))
			t.Met = m.SandboxRSS < 80<<20
		}
		out = append(out, t)
	}
	if s := r.find("big-no-md5", "selfcommunity no_md5"); s != nil {
		t := target{What: "selfcommunity, no_md5 = true: big file time ≤ 1.0 × curl -T's (paired)", Figure: "not measured"}
		if pr, ok := pairedTime(s); ok {
			t.Figure = fmt.Sprintf("%.2f × curl's time (median of %d paired runs, %.2f-%.2f)", pr.median, pr.n, pr.min, pr.max)
			t.Met = pr.median <= 1.0
		}
		out = append(out, t)
	}
	return out
}

// ratios are the min, median and max of n per-run ratios.
type ratios struct {
	min, median, max float64
	n                int
}

func ratiosOf(v []float64) (ratios, bool) {
	if len(v) == 0 {
		return ratios{}, false
	}
	return ratios{slices.Min(v), median(v), slices.Max(v), len(v)}, true
}

// pairedTime is Ferry's time ÷ the baseline's over the runs of s that
// have a paired baseline (Ref): for a rate (files/s, MB/s) Ref ÷ Value,
// for a duration Value ÷ Ref.
func pairedTime(s *series) (ratios, bool) {
	var v []float64
	for _, x := range s.Samples {
		if x.Ref > 0 && x.Value > 0 {
			if s.Higher {
				v = append(v, x.Ref/x.Value)
			} else {
				v = append(v, x.Value/x.Ref)
			}
		}
	}
	return ratiosOf(v)
}

// pairedCPU is Ferry's CPU ÷ the baseline's over the runs of s that have
// both (the same work on both sides, so per file or per byte alike).
func pairedCPU(s *series) (ratios, bool) {
	var v []float64
	for _, x := range s.Samples {
		if x.RefCPU > 0 && x.CPU > 0 {
			v = append(v, x.CPU/x.RefCPU)
		}
	}
	return ratiosOf(v)
}

// md5Cost states what SelfCommunity's whole-file MD5 costs: the medians
// of the big file's wall and CPU time with it and without it (no_md5).
func md5Cost(r *results) (string, bool) {
	with, without := r.find("big", "selfcommunity"), r.find("big-no-md5", "selfcommunity no_md5")
	if with == nil || without == nil {
		return "", false
	}
	var w, wo, wc, woc []float64
	for _, x := range with.Samples {
		w, wc = append(w, x.Wall), append(wc, x.CPU)
	}
	for _, x := range without.Samples {
		wo, woc = append(wo, x.Wall), append(woc, x.CPU)
	}
	if len(w) == 0 || len(wo) == 0 {
		return "", false
	}
	mw, mwo, mc, mco := median(w), median(wo), median(wc), median(woc)
	return fmt.Sprintf("SelfCommunity's whole-file MD5 (%s): %.2f s with it vs %.2f s without (%+.0f%% time), "+
		"%.2f vs %.2f CPU s (%+.2f CPU s), medians of %d and %d runs.",
		with.Name, mw, mwo, (mw/mwo-1)*100, mc, mco, mc-mco, len(w), len(wo)), true
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

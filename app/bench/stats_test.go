package bench

import (
	"fmt"
	"slices"
)

// sample is one run of one scenario.
type sample struct {
	Value  float64 `json:"value"`             // the scenario's figure, in Series.Unit
	Wall   float64 `json:"wall_s"`            // seconds
	CPU    float64 `json:"cpu_s,omitempty"`   // CPU seconds of the measured process (0: not measured)
	MaxRSS int64   `json:"max_rss,omitempty"` // bytes (0: not measured)
	// Ref is the rate of the paired curl run made just before this run on
	// the same sandbox, in the series' unit (0: none): curl -T of the big
	// file (MB/s), or one 4-stream curl process sending the same files
	// (files/s), then the rate of the mean time of the runs just before
	// and just after. The JSON name predates the files/s pairing.
	Ref float64 `json:"curl_ref_mb_s,omitempty"`
	// RefCPU is that curl process's CPU seconds (for files, the mean of
	// the two; 0: not measured).
	RefCPU float64 `json:"curl_ref_cpu_s,omitempty"`
	// SandboxCPU is the CPU seconds the sandbox process used during this
	// run, and SandboxRSS its peak RSS (VmHWM, bytes) at the run's end,
	// since the sandbox started (0: not measured).
	SandboxCPU float64 `json:"sandbox_cpu_s,omitempty"`
	SandboxRSS int64   `json:"sandbox_max_rss,omitempty"`
}

// series is every run of one scenario on one provider (or one baseline).
type series struct {
	Group    string   `json:"group"`    // "big", "small", "burst", "scan", "idle", "twake-parallel", "sc-chunks", "baseline"
	Name     string   `json:"name"`     // what ran, for the table
	Provider string   `json:"provider"` // "" for baselines and provider-free scenarios
	Unit     string   `json:"unit"`     // "MB/s", "files/s", "s", "% of a core"
	Higher   bool     `json:"higher_is_better"`
	Samples  []sample `json:"samples"`
}

// summary is a series' median and spread.
type summary struct {
	Median, Min, Max float64
	MedianCPU        float64
	PeakRSS          int64   // highest over the runs
	SandboxCPU       float64 // median sandbox CPU seconds per run (0: not measured)
	SandboxRSS       int64   // the sandbox's highest peak RSS (0: not measured)
}

func (s *series) add(v sample) { s.Samples = append(s.Samples, v) }

// summarize returns the medians and spread; ok is false without samples.
func (s *series) summarize() (summary, bool) {
	if len(s.Samples) == 0 {
		return summary{}, false
	}
	vals := make([]float64, len(s.Samples))
	cpus := make([]float64, len(s.Samples))
	sbCPU := make([]float64, len(s.Samples))
	var rss, sbRSS int64
	for i, x := range s.Samples {
		vals[i], cpus[i], sbCPU[i] = x.Value, x.CPU, x.SandboxCPU
		rss, sbRSS = max(rss, x.MaxRSS), max(sbRSS, x.SandboxRSS)
	}
	return summary{
		Median: median(vals), Min: slices.Min(vals), Max: slices.Max(vals),
		MedianCPU: median(cpus), PeakRSS: rss, SandboxCPU: median(sbCPU), SandboxRSS: sbRSS,
	}, true
}

// median of vals (the mean of the middle two for an even count); vals is
// not modified. It panics on an empty slice: callers check.
func median(vals []float64) float64 {
	s := slices.Clone(vals)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// spread is (max-min)/median in percent, the run-to-run noise.
func (m summary) spread() float64 {
	if m.Median == 0 {
		return 0
	}
	return (m.Max - m.Min) / m.Median * 100
}

// results is everything one harness run measured.
type results struct {
	Started  string    `json:"started"` // RFC 3339, UTC
	Quick    bool      `json:"quick"`
	Runs     int       `json:"runs"`
	BurstRun int       `json:"burst_runs"`
	Sizes    sizes     `json:"sizes"`
	LoadAvg  []string  `json:"load_average"` // 1/5/15 min, at start and at end
	CPUs     int       `json:"cpus"`
	Series   []*series `json:"series"`
	Failures []string  `json:"failures,omitempty"` // scenarios that could not be measured
}

// get returns the series of group and provider (and name unless ""),
// creating it with unit when absent.
func (r *results) get(group, provider, name, unit string, higher bool) *series {
	for _, s := range r.Series {
		if s.Group == group && s.Provider == provider && (name == "" || s.Name == name) {
			return s
		}
	}
	s := &series{Group: group, Provider: provider, Name: name, Unit: unit, Higher: higher}
	r.Series = append(r.Series, s)
	return s
}

// find is get without creating: nil when absent.
func (r *results) find(group, provider string) *series {
	for _, s := range r.Series {
		if s.Group == group && s.Provider == provider {
			return s
		}
	}
	return nil
}

// medianOf is the median value of the series, ok false when it is absent
// or has no samples.
func (r *results) medianOf(group, provider string) (float64, bool) {
	s := r.find(group, provider)
	if s == nil {
		return 0, false
	}
	m, ok := s.summarize()
	return m.Median, ok
}

func (r *results) failf(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

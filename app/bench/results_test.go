package bench

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMedianAndSpread(t *testing.T) {
	for _, tc := range []struct {
		vals             []float64
		median, spreadPc float64
	}{
		{[]float64{5}, 5, 0},
		{[]float64{3, 1, 2}, 2, 100},
		{[]float64{4, 1, 3, 2}, 2.5, 120},
	} {
		s := &series{}
		for _, v := range tc.vals {
			s.add(sample{Value: v})
		}
		m, ok := s.summarize()
		if !ok || m.Median != tc.median || math.Abs(m.spread()-tc.spreadPc) > 1e-9 {
			t.Errorf("%v: median %v spread %v (ok %v), want %v and %v", tc.vals, m.Median, m.spread(), ok, tc.median, tc.spreadPc)
		}
	}
	in := []float64{3, 1, 2}
	if median(in); in[0] != 3 || in[1] != 1 || in[2] != 2 {
		t.Errorf("median reordered its input: %v", in)
	}
	if _, ok := (&series{}).summarize(); ok {
		t.Error("an empty series summarized as ok")
	}
}

// sampleResults is a run where filesro meets every target and quatrix
// misses the throughput one.
func sampleResults() *results {
	r := &results{Runs: 2, Sizes: fullSizes, CPUs: 2, LoadAvg: []string{"1.00 1.00 1.00", "2.00 2.00 2.00"}}
	add := func(group, provider, name, unit string, vals ...sample) {
		s := r.get(group, provider, name, unit, true)
		for _, v := range vals {
			s.add(v)
		}
	}
	add("baseline", "", "curl -T to the sandbox sink", "MB/s", sample{Value: 1000}, sample{Value: 1000})
	add("baseline", "", "find -printf over the scan tree", "s", sample{Value: 1}, sample{Value: 1})
	add("big", "filesro", "one 1 GiB file", "MB/s", sample{Value: 900, MaxRSS: 40 << 20}, sample{Value: 850, MaxRSS: 41 << 20})
	add("big", "quatrix", "one 1 GiB file", "MB/s", sample{Value: 500, MaxRSS: 90 << 20})
	add("big", "twake", "one 1 GiB file", "MB/s", sample{Value: 700}, sample{Value: 1200}) // alone: 950, not met
	add("twake-parallel", "twake ×4", "one 1 GiB file, 4 parallel chunk(s)", "MB/s", sample{Value: 1100})
	add("big-eighth", "filesro", "one 128 MiB file", "MB/s", sample{Value: 800, MaxRSS: 38 << 20})
	add("small", "filesro", "2000 files", "files/s", sample{Value: 350})
	add("scan-new", "", "scan", "s", sample{Value: 2.5})
	add("idle", "", "idle", "% of a core", sample{Value: 0.2})
	return r
}

func TestTargets(t *testing.T) {
	got := map[string]target{}
	for _, tg := range targets(sampleResults()) {
		got[strings.SplitN(tg.What, ":", 2)[0]] = tg
	}
	for what, met := range map[string]bool{
		"filesro": true, "quatrix": false, "twake (4 parallel chunks, default)": true, // pooled median of 700, 1200, 1100

		"small files": true, "scan-new": true, "scan-unchanged": false,
	} {
		if tg, ok := got[what]; !ok || tg.Met != met {
			t.Errorf("target %q: %+v (present %v), want met=%v", what, tg, ok, met)
		}
	}
	for what, tg := range got {
		switch {
		case strings.HasPrefix(what, "peak RSS") && tg.Met:
			t.Errorf("peak RSS target met with quatrix at 90 MiB: %+v", tg)
		case strings.HasPrefix(what, "memory flat") && !tg.Met:
			t.Errorf("memory flat target missed at 41 vs 38 MiB: %+v", tg)
		case strings.HasPrefix(what, "idle") && !tg.Met:
			t.Errorf("idle target missed at 0.2%%: %+v", tg)
		}
	}
	if tg := got["filesro"]; !strings.Contains(tg.Figure, "0.88 × curl") {
		t.Errorf("filesro figure %q, want the median ratio 0.88", tg.Figure)
	}
}

func TestWriteReport(t *testing.T) {
	dir := t.TempDir()
	r := sampleResults()
	r.failf("selfcommunity big: upload failed\nwith details")
	if err := writeReport(dir, r); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"![throughput chart](chart.png)", "| one 1 GiB file | filesro | 875 | MB/s | 6% | 2 |",
		"1.00 1.00 1.00 at start and 2.00 2.00 2.00 at end", "- selfcommunity big: upload failed\n",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
	f, err := os.Open(filepath.Join(dir, "chart.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("chart.png: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 300 {
		t.Errorf("chart is %v, too small to read", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "results.json")); err != nil {
		t.Error(err)
	}
}

// TestPairedRatio: with curl measured next to each run, the target uses
// the median of the per-run ratios, not the ratio of medians: here the
// global curl median (1000) would fail quatrix at 0.5, but each run kept
// 0.9 of the curl run just before it.
func TestPairedRatio(t *testing.T) {
	r := sampleResults()
	q := r.find("big", "quatrix")
	q.Samples = []sample{{Value: 450, Ref: 500}, {Value: 540, Ref: 600}, {Value: 100, Ref: 1000}}
	if got, ok := pairedRatio(q); !ok || math.Abs(got-0.9) > 1e-9 {
		t.Fatalf("pairedRatio = %v, %v; want 0.9, true", got, ok)
	}
	for _, tg := range targets(r) {
		if strings.HasPrefix(tg.What, "quatrix:") && (!tg.Met || !strings.Contains(tg.Figure, "0.90 × curl")) {
			t.Errorf("quatrix target %+v, want met at 0.90 × curl", tg)
		}
	}
	if _, ok := pairedRatio(r.find("big", "filesro"), nil); ok {
		t.Error("pairedRatio found a ratio in runs without a paired curl")
	}
}

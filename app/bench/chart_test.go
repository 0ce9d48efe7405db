package bench

import (
	"fmt"
	"image/color"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// bar is one labelled value of a chart panel.
type bar struct {
	label string
	value float64
	limit bool // a baseline, drawn in grey
}

// writeChart draws two panels side by side: big-file throughput next to
// its limits, and small-file rates per provider.
func writeChart(path string, r *results) error {
	var big []bar
	for _, name := range []string{"curl", "sha256sum"} {
		if s := r.findNamed("baseline", name); s != nil {
			if m, ok := s.summarize(); ok {
				big = append(big, bar{name, m.Median, true})
			}
		}
	}
	for _, p := range providers {
		if v, ok := r.medianOf("big", p); ok {
			big = append(big, bar{p, v, false})
		}
	}
	for _, s := range r.Series {
		if s.Group == "twake-parallel" || s.Group == "big-no-md5" {
			if m, ok := s.summarize(); ok {
				big = append(big, bar{s.Provider, m.Median, false})
			}
		}
	}
	var small []bar
	for _, p := range providers {
		if v, ok := r.medianOf("small", p); ok {
			small = append(small, bar{p, v, false})
		}
	}
	for _, p := range providers {
		if v, ok := r.medianOf("burst", p); ok {
			small = append(small, bar{p + " burst", v, false})
		}
	}
	var target float64
	if s := r.findNamed("baseline", "curl"); s != nil {
		if m, ok := s.summarize(); ok {
			target = 0.8 * m.Median
		}
	}
	left, err := barPanel(fmt.Sprintf("One %s file (median MB/s)", sizeName(r.Sizes.Big)), "MB/s", big, target, "target: 0.8 × curl")
	if err != nil {
		return err
	}
	right, err := barPanel("Small files: upload and watched burst (median files/s)", "files/s", small, 300, "target: 300 files/s")
	if err != nil {
		return err
	}
	const w, h = 14 * vg.Inch, 5.5 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 4, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	canvases := plot.Align([][]*plot.Plot{{left, right}}, tiles, dc)
	left.Draw(canvases[0][0])
	right.Draw(canvases[0][1])
	if err := savePNG(img, path); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}

// barPanel is one bar chart; baselines are grey, Ferry's runs blue, each
// bar labelled with its value; ref, when positive, is a dashed target line.
func barPanel(title, unit string, bars []bar, ref float64, refLabel string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = unit
	p.Add(plotter.NewGrid()) // first, so the bars cover it
	top := ref
	labels := make([]string, len(bars))
	for i, b := range bars {
		labels[i] = b.label
		top = max(top, b.value)
		vals := make(plotter.Values, len(bars))
		vals[i] = b.value
		ch, err := plotter.NewBarChart(vals, vg.Points(28))
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", title, err)
		}
		ch.LineStyle.Width = 0
		ch.Color = color.RGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff}
		if b.limit {
			ch.Color = color.RGBA{R: 0x9a, G: 0x9a, B: 0x9a, A: 0xff}
		}
		p.Add(ch)
	}
	if len(bars) == 0 {
		return p, nil
	}
	xys := make(plotter.XYs, len(bars))
	texts := make([]string, len(bars))
	for i, b := range bars {
		xys[i] = plotter.XY{X: float64(i), Y: b.value + top*0.01}
		texts[i] = num(b.value)
	}
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", title, err)
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].XAlign = draw.XCenter
	}
	p.Add(lab)
	if ref > 0 {
		line, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: ref}, {X: float64(len(bars)) - 0.5, Y: ref}})
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", title, err)
		}
		line.Color = color.RGBA{R: 0xc0, G: 0x30, B: 0x30, A: 0xff}
		line.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
		p.Add(line)
		p.Legend.Add(refLabel, line)
		p.Legend.Top = true
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.7, float64(len(bars))-0.3
	p.Y.Min, p.Y.Max = 0, top*1.12
	p.Y.Tick.Marker = plainTicks{}
	p.X.Tick.Label.Rotation = 0.5
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	return p, nil
}

// plainTicks are plot's default ticks labelled without trailing zeros.
type plainTicks struct{}

func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', -1, 64)
		}
	}
	return ts
}

// savePNG writes the canvas as a PNG file.
func savePNG(img *vgimg.Canvas, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return f.Close()
}

package bench

import (
	"fmt"
	"image/color"
	"os"

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
		if s.Group == "twake-parallel" {
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
	left, err := barPanel(fmt.Sprintf("One %s file (median MB/s)", sizeName(r.Sizes.Big)), "MB/s", big)
	if err != nil {
		return err
	}
	right, err := barPanel("Many small files (median files/s)", "files/s", small)
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

// barPanel is one bar chart; baselines are grey, Ferry's runs blue.
func barPanel(title, unit string, bars []bar) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = unit
	p.Y.Min = 0
	labels := make([]string, len(bars))
	for i, b := range bars {
		labels[i] = b.label
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
	if len(bars) > 0 {
		p.NominalX(labels...)
		p.X.Tick.Label.Rotation = 0.5
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	p.Add(plotter.NewGrid())
	return p, nil
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

package app

import (
	"bytes"
	"image/png"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/ferry-sync/ferry/icons"
)

func TestTrayIconsBecomePNG(t *testing.T) {
	for _, icon := range []fyne.Resource{icons.TrayIdle, icons.TrayUploading, icons.TrayPaused, icons.TrayError, icons.App} {
		if !isSVG(icon) {
			t.Fatalf("%s is not recognised as SVG", icon.Name())
		}
		p, err := svgToPNG(icon, trayIconSize)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(p.Content()))
		if err != nil {
			t.Fatalf("%s: %v", p.Name(), err)
		}
		if b := img.Bounds(); b.Dx() != trayIconSize || b.Dy() != trayIconSize {
			t.Errorf("%s: %v", p.Name(), b)
		}
		// The icons are a coloured disc: the centre pixel is opaque.
		if _, _, _, a := img.At(trayIconSize/2, trayIconSize/2).RGBA(); a == 0 {
			t.Errorf("%s: transparent centre, nothing drawn", p.Name())
		}
	}
	if _, err := svgToPNG(fyne.NewStaticResource("bad.svg", []byte("<svg")), 8); err == nil {
		t.Error("a broken SVG converted without error")
	}
	if isSVG(fyne.NewStaticResource("x.png", []byte("\x89PNG\r\n"))) {
		t.Error("a PNG taken for SVG")
	}
}

// recordingTray is a desktop.App that records the tray icons it gets.
type recordingTray struct {
	icons []fyne.Resource
}

func (r *recordingTray) SetSystemTrayMenu(*fyne.Menu)      {}
func (r *recordingTray) SetSystemTrayIcon(i fyne.Resource) { r.icons = append(r.icons, i) }
func (r *recordingTray) SetSystemTrayWindow(fyne.Window)   {}

func TestPNGTrayConvertsOnceAndPassesOn(t *testing.T) {
	rec := &recordingTray{}
	var logged []string
	tr := newPNGTray(rec, func(msg string, _ ...any) { logged = append(logged, msg) })
	tr.SetSystemTrayIcon(icons.TrayError)
	tr.SetSystemTrayIcon(icons.TrayError)
	broken := fyne.NewStaticResource("broken.svg", []byte("<svg"))
	tr.SetSystemTrayIcon(broken)
	if len(rec.icons) != 3 || rec.icons[0] != rec.icons[1] || rec.icons[0].Name() != "tray-error.png" {
		t.Fatalf("icons passed on: %v", rec.icons)
	}
	if rec.icons[2] != broken || len(logged) != 1 {
		t.Errorf("a broken icon: passed %v, logged %q", rec.icons[2], logged)
	}
}

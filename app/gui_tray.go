package app

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"github.com/fyne-io/oksvg"
	"github.com/srwiley/rasterx"
)

// trayIconSize is the edge in pixels of the tray icons handed to the OS:
// large enough for HiDPI panels, which scale it down.
const trayIconSize = 64

// pngTray is the app's desktop.App with tray icons converted from SVG to
// PNG first: fyne passes the icon's bytes to the system tray as they are,
// and the Linux tray (StatusNotifierItem) only decodes bitmaps, so the
// embedded SVG icons would show as an empty square. Conversions are
// cached per resource. Its methods run on the UI goroutine.
type pngTray struct {
	desktop.App
	log func(msg string, args ...any)

	mu    sync.Mutex
	cache map[fyne.Resource]fyne.Resource
}

func newPNGTray(d desktop.App, log func(msg string, args ...any)) *pngTray {
	return &pngTray{App: d, log: log, cache: map[fyne.Resource]fyne.Resource{}}
}

// SetSystemTrayIcon sets icon, rasterised when it is an SVG. An SVG that
// cannot be drawn is logged and passed on unchanged.
func (t *pngTray) SetSystemTrayIcon(icon fyne.Resource) {
	t.mu.Lock()
	out, ok := t.cache[icon]
	if !ok {
		out = icon
		if isSVG(icon) {
			if p, err := svgToPNG(icon, trayIconSize); err != nil {
				t.log("gui: tray icon", "icon", icon.Name(), "err", err)
			} else {
				out = p
			}
		}
		t.cache[icon] = out
	}
	t.mu.Unlock()
	t.App.SetSystemTrayIcon(out)
}

func isSVG(r fyne.Resource) bool {
	head := string(r.Content()[:min(len(r.Content()), 256)])
	return strings.HasSuffix(strings.ToLower(r.Name()), ".svg") || strings.Contains(head, "<svg")
}

// svgToPNG draws r into a size x size PNG resource.
func svgToPNG(r fyne.Resource, size int) (res fyne.Resource, err error) {
	icon, err := oksvg.ReadIconStream(bytes.NewReader(r.Content()))
	if err != nil {
		return nil, fmt.Errorf("read svg %s: %w", r.Name(), err)
	}
	icon.SetTarget(0, 0, float64(size), float64(size))
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	scanner := rasterx.NewScannerGV(size, size, img, img.Bounds())
	defer func() {
		// The rasteriser panics on some malformed paths; that is an error
		// for this icon, not a reason to take the app down.
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("draw svg %s: %v", r.Name(), p)
		}
	}()
	icon.Draw(rasterx.NewDasher(size, size, scanner), 1)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode %s as png: %w", r.Name(), err)
	}
	return fyne.NewStaticResource(strings.TrimSuffix(r.Name(), ".svg")+".png", buf.Bytes()), nil
}

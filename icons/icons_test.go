package icons

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// appID names the installed icon files; it is the ID in FyneApp.toml,
// which the .desktop file's Icon key refers to.
const appID = "io.github.ferry_sync.ferry"

// The hicolor renderings are committed (see packaging/README.md): each
// must be a square PNG of the size its folder claims, drawn from ferry.svg.
func TestHicolorRenderings(t *testing.T) {
	for _, n := range []int{16, 24, 32, 48, 64, 128, 256, 512} {
		path := filepath.Join("hicolor", fmt.Sprintf("%dx%d", n, n), "apps", appID+".png")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b := img.Bounds(); b.Dx() != n || b.Dy() != n {
			t.Errorf("%s is %dx%d, want %dx%d", path, b.Dx(), b.Dy(), n, n)
		}
		// The artwork is a rounded square on a transparent canvas: the
		// corner pixel is clear and the middle of the arrow is opaque
		// white, which catches a rendering of some other file or a
		// background added by a converter.
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("%s: corner alpha %d, want transparent", path, a)
		}
		if r, g, b, a := img.At(n/2, n/2).RGBA(); a != 0xffff || r < 0xf000 || g < 0xf000 || b < 0xf000 {
			t.Errorf("%s: centre pixel %x %x %x %x, want opaque white", path, r, g, b, a)
		}
	}
}

// The scalable icon and the 512 px one packaged by fyne (FyneApp.toml's
// Icon) are copies; a changed artwork must update both.
func TestCopiesMatchTheSource(t *testing.T) {
	for src, cp := range map[string]string{
		"ferry.svg": filepath.Join("hicolor", "scalable", "apps", appID+".svg"),
		"ferry.png": filepath.Join("hicolor", "512x512", "apps", appID+".png"),
	} {
		a, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(cp)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from %s: run `make icons`", cp, src)
		}
	}
}

func TestEmbeddedResources(t *testing.T) {
	for _, r := range []struct {
		name    string
		content []byte
	}{
		{App.Name(), App.Content()},
		{TrayIdle.Name(), TrayIdle.Content()},
		{TrayUploading.Name(), TrayUploading.Content()},
		{TrayPaused.Name(), TrayPaused.Content()},
		{TrayError.Name(), TrayError.Content()},
	} {
		onDisk, err := os.ReadFile(r.name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(onDisk, r.content) || !bytes.HasPrefix(r.content, []byte("<svg")) {
			t.Errorf("embedded %s is not the SVG file of that name", r.name)
		}
	}
}

// TestAppIconIsABitmap: the app's own icon is what the system tray falls
// back to, and on Windows fyne decodes it with image.Decode to make an ICO
// ("Failed to convert systray icon" when it is an SVG).
func TestAppIconIsABitmap(t *testing.T) {
	img, format, err := image.Decode(bytes.NewReader(AppPNG.Content()))
	if err != nil || format != "png" {
		t.Fatalf("AppPNG: %v (%s)", err, format)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("AppPNG is %v, want 256x256", b)
	}
	if _, _, err := image.Decode(bytes.NewReader(App.Content())); err == nil {
		t.Error("the SVG decodes as a bitmap: this test no longer shows why AppPNG exists")
	}
}

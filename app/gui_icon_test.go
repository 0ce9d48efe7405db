package app

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/icons"
)

// checkWindowIcon reads the _NET_WM_ICON property of the window named
// Ferry back with xprop (Debian's x11-utils) and checks that it holds the
// app icon, icons.AppPNG, pixel for pixel. The property is set by the
// client on its own window, so it exists under Xvfb without a window
// manager.
//
// xprop reads only its -len bytes of a property (a default far below the
// 256 KiB of a 256x256 icon) and then prints the truncated icon as
// nothing: `xprop _NET_WM_ICON` shows an empty value although the icon is
// there. Hence -len, and -f ... 32c for plain numbers instead of ASCII
// art.
func checkWindowIcon(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("xprop"); err != nil {
		t.Fatal("no xprop to read the window icon back: install x11-utils (make deps does)")
	}
	// The window is mapped (and found by name) before GLFW sets its icon
	// property; on a loaded machine that can take a moment.
	var out []byte
	var list string
	deadline := time.Now().Add(15 * time.Second)
	for {
		wid := strings.Fields(xdotool(t, "search", "--sync", "--name", "^Ferry$"))[0]
		var err error
		out, err = exec.Command("xprop", "-id", wid, "-len", "1000000", "-f", "_NET_WM_ICON", "32c", "_NET_WM_ICON").CombinedOutput()
		if err != nil {
			t.Fatalf("xprop: %v\n%s", err, out)
		}
		var ok bool
		if _, list, ok = strings.Cut(string(out), "="); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window has no _NET_WM_ICON after 15 s: %q", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var got []uint32
	for _, f := range strings.Split(list, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 32)
		if err != nil {
			t.Fatalf("_NET_WM_ICON: %q is not a number (%v)", f, err)
		}
		got = append(got, uint32(v))
	}

	src, err := png.Decode(bytes.NewReader(icons.AppPNG.Content()))
	if err != nil {
		t.Fatal(err)
	}
	want := image.NewNRGBA(src.Bounds())
	draw.Draw(want, want.Bounds(), src, src.Bounds().Min, draw.Src)
	w, h := want.Bounds().Dx(), want.Bounds().Dy()
	if len(got) != 2+w*h || got[0] != uint32(w) || got[1] != uint32(h) {
		head := got[:min(len(got), 2)]
		t.Fatalf("_NET_WM_ICON holds %d numbers starting %v, want a %dx%d icon (%d numbers)", len(got), head, w, h, 2+w*h)
	}
	bad := 0
	for i, argb := range got[2:] {
		p := want.Pix[i*4 : i*4+4]
		if argb != uint32(p[3])<<24|uint32(p[0])<<16|uint32(p[1])<<8|uint32(p[2]) {
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("_NET_WM_ICON: %d of %d pixels differ from the app icon", bad, w*h)
	}
}

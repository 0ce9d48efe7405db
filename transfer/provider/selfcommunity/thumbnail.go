package selfcommunity

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // previews are drawn from GIF, JPEG and PNG files
	"image/jpeg"
	"image/png"
	"path"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// The official client always uploads a thumbnail after done and names it
// in the message (community-js MessageChunkUploader): for images a JPEG it
// draws from the picture (utils/thumbnailCoverter.ts createThumbnail), for
// videos a frame, for PDFs the first page, and for every other type a
// fixed 50x50 placeholder PNG (documentPlaceholder, audioPlaceHolder). So
// the server takes a small generic PNG for any file, and a JPEG drawn from
// an image.
//
// Ferry does the same where it is cheap: a JPEG, at most previewSide
// pixels a side, for a PNG, JPEG or GIF file of at most previewMaxBytes
// and previewMaxPixels whose bytes this session saw (each acknowledged
// part is read once more from the engine's chunk, see keepPreview);
// otherwise, and whenever drawing fails, a small generic PNG. A resumed
// session has not seen the earlier parts and sends the generic one. Videos
// and PDFs get the generic one too: drawing them needs decoders Ferry does
// not carry. The recipients then see an icon instead of a preview; the
// file itself is unchanged.

// Preview bounds: the source file's size and pixel count (a decoded image
// holds 4 bytes a pixel), and the preview's longer side.
const (
	previewMaxBytes  = 10 << 20
	previewMaxPixels = 4_000_000
	previewSide      = 256
)

// thumbnailPNG returns the generic thumbnail: a 64x64 light page with a
// darker border, as PNG.
var thumbnailPNG = sync.OnceValue(func() []byte {
	const n = 64
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	page, edge := color.NRGBA{0xEE, 0xEF, 0xF2, 0xFF}, color.NRGBA{0x8A, 0x90, 0x9C, 0xFF}
	for y := range n {
		for x := range n {
			c := page
			if x < 2 || y < 2 || x >= n-2 || y >= n-2 {
				c = edge
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		// Encoding an in-memory image to a buffer cannot fail.
		panic("selfcommunity: encode thumbnail: " + err.Error())
	}
	return b.Bytes()
})

// thumbnailName is the thumbnail's file name: the file's with ext for its
// extension, as the official client renames a document's thumbnail.
func thumbnailName(name, ext string) string {
	stem := strings.TrimSuffix(name, path.Ext(name))
	if stem == "" {
		stem = name
	}
	return stem + ext
}

// previewable reports whether u may get a preview drawn from its bytes.
func previewable(u provider.Upload) bool {
	switch strings.ToLower(path.Ext(u.Name)) {
	case ".png", ".jpg", ".jpeg", ".gif":
		return u.Size > 0 && u.Size <= previewMaxBytes
	}
	return false
}

// thumbnail returns the thumbnail to upload and its file name: a preview
// drawn from src when src is the whole file and can be drawn, else the
// generic PNG.
func thumbnail(name string, src []byte) ([]byte, string) {
	if src != nil {
		if img, err := drawPreview(src); err == nil {
			return img, thumbnailName(name, ".jpeg")
		}
	}
	return thumbnailPNG(), thumbnailName(name, ".png")
}

// drawPreview decodes a PNG, JPEG or GIF image of at most
// previewMaxPixels and returns it as a JPEG whose longer side is at most
// previewSide pixels (each output pixel the average of the source pixels
// it covers).
func drawPreview(src []byte) ([]byte, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > previewMaxPixels {
		return nil, fmt.Errorf("image of %dx%d pixels is not previewed", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	tw, th := w, h
	if m := max(w, h); m > previewSide {
		tw, th = max(1, w*previewSide/m), max(1, h*previewSide/m)
	}
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := range th {
		y0, y1 := b.Min.Y+y*h/th, b.Min.Y+max((y+1)*h/th, y*h/th+1)
		for x := range tw {
			x0, x1 := b.Min.X+x*w/tw, b.Min.X+max((x+1)*w/tw, x*w/tw+1)
			var r, g, bl, n uint64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					cr, cg, cb, _ := img.At(sx, sy).RGBA()
					r, g, bl, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), n+1
				}
			}
			out.SetRGBA(x, y, color.RGBA{uint8(r / n >> 8), uint8(g / n >> 8), uint8(bl / n >> 8), 0xFF})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

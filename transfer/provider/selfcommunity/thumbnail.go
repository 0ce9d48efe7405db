package selfcommunity

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"path"
	"strings"
	"sync"
)

// The official client always uploads a thumbnail after done and names it
// in the message (community-js MessageChunkUploader): for images a JPEG it
// draws from the picture, for videos a frame, for PDFs the first page, and
// for every other type a fixed 50x50 placeholder PNG
// (utils/thumbnailCoverter.ts documentPlaceholder, audioPlaceHolder). So
// the server takes a small generic PNG for any file: it is the one
// thumbnail it is known to accept whatever the file.
//
// Ferry sends its own small generic PNG for every file. Drawing a preview
// from the picture would need the file's bytes after done, which the
// provider no longer holds (the engine hands it one part at a time, and a
// resumed session has none of them), and decoding arbitrary images is a
// cost and a risk the upload should not carry. The recipients see a
// generic icon instead of a preview; the file itself is unchanged.

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

// thumbnailName is the thumbnail's file name: the file's with ".png" for
// its extension, as the official client renames a document's thumbnail
// (with ".jpeg" there: its picture is a JPEG).
func thumbnailName(name string) string {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if stem == "" {
		stem = name
	}
	return stem + ".png"
}

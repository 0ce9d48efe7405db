// Command mkico writes a Windows icon (.ico) holding the given PNG images,
// each stored as PNG (Windows Vista and later read those), for the
// executable's icon resource:
//
//	go run ./packaging/windows/mkico -o ferry.ico 16.png 32.png ... 256.png
//
// Every image must be a square PNG of at most 256 pixels.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"os"
)

func main() {
	out := flag.String("o", "", "the .ico file to write")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mkico -o FILE.ico IMAGE.png...")
		os.Exit(2)
	}
	var pngs [][]byte
	for _, p := range flag.Args() {
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkico:", err)
			os.Exit(1)
		}
		pngs = append(pngs, b)
	}
	ico, err := encodeICO(pngs)
	if err == nil {
		err = os.WriteFile(*out, ico, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkico:", err)
		os.Exit(1)
	}
}

// encodeICO lays out an ICONDIR, one ICONDIRENTRY per image, then the
// PNG data.
func encodeICO(pngs [][]byte) ([]byte, error) {
	if len(pngs) == 0 || len(pngs) > 0xffff {
		return nil, errors.New("need 1 to 65535 images")
	}
	var head, body bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&head, le, [3]uint16{0, 1, uint16(len(pngs))}) // reserved, type 1 = icon, count
	offset := 6 + 16*len(pngs)
	for i, data := range pngs {
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("image %d: %w", i+1, err)
		}
		if cfg.Width != cfg.Height || cfg.Width < 1 || cfg.Width > 256 {
			return nil, fmt.Errorf("image %d is %dx%d; want a square of 1 to 256 pixels", i+1, cfg.Width, cfg.Height)
		}
		side := byte(cfg.Width) // 256 is written as 0
		head.Write([]byte{side, side, 0, 0})
		_ = binary.Write(&head, le, [2]uint16{1, 32}) // colour planes, bits per pixel
		_ = binary.Write(&head, le, [2]uint32{uint32(len(data)), uint32(offset)})
		body.Write(data)
		offset += len(data)
	}
	return append(head.Bytes(), body.Bytes()...), nil
}

package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// TestEncodeICO: the directory names each image's size, length and offset,
// and the data at that offset is the PNG itself.
func TestEncodeICO(t *testing.T) {
	var pngs [][]byte
	for _, n := range []string{"16x16", "256x256"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "icons", "hicolor", n, "apps", "io.github.ferry_sync.ferry.png"))
		if err != nil {
			t.Fatal(err)
		}
		pngs = append(pngs, b)
	}
	ico, err := encodeICO(pngs)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if le.Uint16(ico[0:]) != 0 || le.Uint16(ico[2:]) != 1 || le.Uint16(ico[4:]) != 2 {
		t.Fatalf("header % x", ico[:6])
	}
	for i, side := range []byte{16, 0} {
		e := ico[6+16*i:]
		size, off := le.Uint32(e[8:]), le.Uint32(e[12:])
		if e[0] != side || e[1] != side || le.Uint16(e[6:]) != 32 || int(size) != len(pngs[i]) {
			t.Errorf("entry %d: % x", i, e[:16])
		}
		if !bytes.Equal(ico[off:off+size], pngs[i]) {
			t.Errorf("entry %d: the data at %d is not the PNG", i, off)
		}
	}
	if _, err := encodeICO([][]byte{[]byte("not a png")}); err == nil {
		t.Error("a non-PNG was accepted")
	}
}

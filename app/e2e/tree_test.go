package e2e

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// chunkSize is the chunk size every test target uses: small, so that chunk
// boundaries are cheap to hit, and at or above every provider's minimum
// (files.ro 256 KiB, Twake 64 KiB, SelfCommunity 16 KiB, Quatrix 1000).
const chunkSize = 1 << 20

// treeFile is one generated file: its path below the tree's parent in NFC
// (what must arrive remotely), the name it has on disk (which may be NFD),
// its size and content hash.
type treeFile struct {
	Rel    string // slash-separated, NFC, starting with the tree's folder name
	Disk   string // slash-separated as written to disk
	Size   int64
	SHA256 string
}

// treeSpec lists the files of the standard tree with a large file of
// large bytes: nested folders three levels deep, 0 and 1 byte, exactly one
// chunk, one chunk plus one byte, spaces, NFC names and one NFD name on
// disk. Base names are unique across folders, so that a provider without
// folders (SelfCommunity) stores every name as is.
func treeSpec(large int64) []treeFile {
	nfd := norm.NFD.String("tree/ünïcode/café crème.txt")
	return []treeFile{
		{Rel: "tree/empty.bin", Size: 0},
		{Rel: "tree/one.bin", Size: 1},
		{Rel: "tree/top level notes.txt", Size: 1000},
		{Rel: "tree/a/exact-chunk.bin", Size: chunkSize},
		{Rel: "tree/a/b/chunk-plus-one.bin", Size: chunkSize + 1},
		{Rel: "tree/a/b/c/deep.txt", Size: 4097},
		{Rel: "tree/a/b/c/large.bin", Size: large},
		{Rel: "tree/with space/file with space.txt", Size: 333},
		{Rel: "tree/ünïcode/naïve.txt", Size: 2048},
		{Rel: norm.NFC.String(nfd), Disk: nfd, Size: 777},
		{Rel: "tree/日本語/データ.bin", Size: 65536},
	}
}

// writeTree writes files below a new temporary folder, with content drawn
// from seed and the file's index, fills in Disk and SHA256, and returns the
// path of the tree folder (the argument of `ferry upload`).
func writeTree(t *testing.T, seed uint64, files []treeFile) string {
	t.Helper()
	root := t.TempDir()
	for i := range files {
		f := &files[i]
		if f.Disk == "" {
			f.Disk = f.Rel
		}
		if norm.NFC.String(f.Rel) != f.Rel {
			t.Fatalf("tree spec: %q is not NFC", f.Rel)
		}
		sum, err := writeFile(filepath.Join(root, filepath.FromSlash(f.Disk)), seed+uint64(i), f.Size)
		if err != nil {
			t.Fatalf("write tree: %v", err)
		}
		f.SHA256 = sum
	}
	return filepath.Join(root, "tree")
}

// writeFile writes size deterministic bytes to name and returns their
// SHA-256 in hex.
func writeFile(name string, seed uint64, size int64) (string, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return "", err
	}
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	if _, err := io.CopyN(w, rand.NewChaCha8(key), size); err != nil {
		f.Close()
		return "", err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

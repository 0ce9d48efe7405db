package soak

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// localFile is one file of the workload and every complete version the
// harness wrote to it, oldest first.
type localFile struct {
	id       string // "f00042": unique in the tree, part of the name
	rel      string // slash-separated path inside the watched folder
	versions []string
	sizes    []int64
}

func (f *localFile) final() string { return f.versions[len(f.versions)-1] }

// workload generates and mutates the watched folder. It is used by one
// test goroutine only.
type workload struct {
	root  string
	rng   *rand.Rand
	files []*localFile
	byID  map[string]*localFile
	large map[string]bool
	dirs  []string
	// twins are the ids of files whose name equals another's in Unicode
	// NFC (both spellings on disk): Ferry must upload neither and say why.
	twins map[string]bool
}

func newWorkload(root string, seed int64) *workload {
	w := &workload{
		root: root, rng: rand.New(rand.NewPCG(uint64(seed), 7)),
		byID: map[string]*localFile{}, large: map[string]bool{}, twins: map[string]bool{},
	}
	// Nested folders, some three levels deep, with a space and a non-ASCII
	// name among them.
	w.dirs = []string{"", "docs", "docs/2024", "docs/2024/q1", "photos", "photos/été", "a b/c d", "deep/er/still/deeper"}
	return w
}

// smallSize picks a small file size, zero included.
func (w *workload) smallSize() int64 {
	switch w.rng.IntN(10) {
	case 0:
		return 0
	case 1, 2:
		return int64(1 + w.rng.IntN(100))
	}
	return int64(1 + w.rng.IntN(96<<10))
}

// largeSize is several chunks of the 1 MiB chunk size the targets use.
func (w *workload) largeSize() int64 { return int64(3<<20 + w.rng.IntN(3<<20)) }

// add creates a new file (large or small) and returns it.
func (w *workload) add(t *testing.T, large bool) *localFile {
	t.Helper()
	id := fmt.Sprintf("f%05d", len(w.files))
	dir := w.dirs[w.rng.IntN(len(w.dirs))]
	ext := []string{".txt", ".bin", ".dat", ""}[w.rng.IntN(4)]
	name := id + "-" + []string{"note", "data", "Photo", "résumé", "x"}[w.rng.IntN(5)] + ext
	rel := strings.TrimPrefix(dir+"/"+name, "/")
	f := &localFile{id: id, rel: rel}
	w.files = append(w.files, f)
	w.byID[id] = f
	size := w.smallSize()
	if large {
		w.large[id] = true
		size = w.largeSize()
	}
	w.write(t, f, size)
	return f
}

// hostileFiles is how many files addHostile adds.
const hostileFiles = 6

// addHostile adds files with hostile names: an NFC/NFD pair (one id, two
// files, refused), names with spaces at both ends, a 250-byte name, and
// case twins (names equal but for case; the id's "f" and "F" tell them
// apart).
func (w *workload) addHostile(t *testing.T) {
	t.Helper()
	named := func(id, rel string) *localFile {
		f := &localFile{id: id, rel: rel}
		w.files = append(w.files, f)
		if w.byID[id] == nil {
			w.byID[id] = f
		}
		w.write(t, f, w.smallSize())
		return f
	}
	next := func() string { return fmt.Sprintf("f%05d", len(w.files)) }

	id := next()
	named(id, id+"-caf\u00e9.txt")  // NFC
	named(id, id+"-cafe\u0301.txt") // NFD: the same name in NFC
	w.twins[id] = true

	id = next()
	named(id, "docs/ "+id+"-spaces at both ends.txt ")
	id = next()
	named(id, id+"-"+strings.Repeat("n", 250-len(id)-1-4)+".txt")
	id = next()
	named(id, "photos/"+id+"-Twin.txt")
	upper := "F" + id[1:]
	named(upper, "photos/"+upper+"-Twin.txt")
}

// rewrite replaces a file's content in place (truncate and write, as an
// editor saving over it would), possibly while it uploads.
func (w *workload) rewrite(t *testing.T, f *localFile) {
	t.Helper()
	// At least the header's length: every rewrite is a distinct version.
	size := max(w.smallSize(), 32)
	if w.large[f.id] {
		size = w.largeSize()
	}
	w.write(t, f, size)
}

func (w *workload) write(t *testing.T, f *localFile, size int64) {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(w.rng.Uint32())
	}
	// Each version starts with the file id and version number, so two
	// versions never have the same content even when empty otherwise.
	header := fmt.Sprintf("%s %08x v%d\n", f.id, crc32.ChecksumIEEE([]byte(f.rel)), len(f.versions))
	if len(data) >= len(header) {
		copy(data, header)
	}
	sum := sha256.Sum256(data)
	version := hex.EncodeToString(sum[:])
	if slices.Contains(f.versions, version) {
		// Cannot happen: only the first version may be shorter than the
		// header. The check relies on versions being distinct.
		t.Fatalf("workload: %s repeats a version", f.rel)
	}
	path := filepath.Join(w.root, filepath.FromSlash(f.rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f.versions = append(f.versions, version)
	f.sizes = append(f.sizes, size)
}

// mutate adds newFiles files and rewrites about a tenth of the existing
// ones (the large ones first, so a rewrite often hits a running upload).
func (w *workload) mutate(t *testing.T, newFiles int) {
	t.Helper()
	for range newFiles {
		w.add(t, false)
	}
	for _, f := range w.files {
		if w.twins[f.id] {
			continue // refused whatever its content
		}
		if w.large[f.id] && w.rng.IntN(2) == 0 {
			w.rewrite(t, f)
			continue
		}
		if w.rng.IntN(10) == 0 {
			w.rewrite(t, f)
		}
	}
}

// totals are the count and bytes of the final local content.
func (w *workload) totals() (files int, bytes int64) {
	for _, f := range w.files {
		files++
		bytes += f.sizes[len(f.sizes)-1]
	}
	return files, bytes
}

// checkLocal re-reads every file and confirms the recorded final version
// is what is on disk, so the check compares against the real content.
func (w *workload) checkLocal(t *testing.T) {
	t.Helper()
	for _, f := range w.files {
		b, err := os.ReadFile(filepath.Join(w.root, filepath.FromSlash(f.rel)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.final() {
			t.Fatalf("local %s does not hold its recorded final version", f.rel)
		}
	}
}

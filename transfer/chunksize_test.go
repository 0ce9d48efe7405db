package transfer

import (
	"net/http"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
)

// largeFileCaps keep 1,000-byte chunks for files up to 5,000 bytes and use
// 4,000-byte chunks above that.
var largeFileCaps = provider.Capabilities{
	MinChunkSize: 500, DefaultChunkSize: 1000, LargeFileSize: 5000, LargeFileChunkSize: 4000,
}

// firstChunkSizes uploads files of the given sizes one after the other and
// returns the size of each file's first successful chunk by remote path.
func firstChunkSizes(t *testing.T, r *rig, sizes map[string]int) map[string]int64 {
	t.Helper()
	for _, name := range []string{"small.bin", "edge.bin", "large.bin", "large2.bin"} {
		n, ok := sizes[name]
		if !ok {
			continue
		}
		data := randBytes(uint64(n), n)
		r.wait(r.enqueue(r.file(name, data))...)
		r.checkStored("up/"+name, data)
	}
	calls, err := r.fake.Calls()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range calls {
		if c.Op == fakeprovider.OpPut && c.Chunk == 0 && c.OK() {
			got[c.Path] = c.Size
		}
	}
	return got
}

func TestLargeFilesUseTheLargeFileChunkSize(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: largeFileCaps}, TargetSettings{}, fastOpts())
	r.run()
	got := firstChunkSizes(t, r, map[string]int{"small.bin": 3000, "edge.bin": 5000, "large.bin": 9000})
	want := map[string]int64{"up/small.bin": 1000, "up/edge.bin": 1000, "up/large.bin": 4000}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: first chunk of %d bytes, want %d (all: %v)", p, got[p], w, got)
		}
	}
}

func TestConfiguredChunkSizeOverridesTheLargeFileSize(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: largeFileCaps}, TargetSettings{ChunkSize: 2000}, fastOpts())
	r.run()
	got := firstChunkSizes(t, r, map[string]int{"small.bin": 3000, "large.bin": 9000})
	if got["up/small.bin"] != 2000 || got["up/large.bin"] != 2000 {
		t.Errorf("first chunks %v, want 2000 bytes for both files (the target's setting)", got)
	}
}

// A 413 for a large file's chunk lowers the size remembered for the
// target; small files keep their smaller default below it.
func TestTooLargeLowersTheLargeFileChunkSize(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: largeFileCaps}, TargetSettings{}, fastOpts())
	tooLarge := &provider.Error{Kind: provider.ErrTooLarge, Op: "put chunk", Status: http.StatusRequestEntityTooLarge}
	r.fake.AddFault(fakeprovider.Fault{
		Op: fakeprovider.OpPut, Err: tooLarge,
		Match: func(c fakeprovider.Call) bool { return c.Size > 2000 },
	})
	r.run()
	got := firstChunkSizes(t, r, map[string]int{"large.bin": 9000, "large2.bin": 8000, "small.bin": 3000})
	if got["up/large.bin"] != 2000 || got["up/large2.bin"] != 2000 || got["up/small.bin"] != 1000 {
		t.Errorf("first chunks %v, want 2000 for the large files after the 413 and 1000 for the small one", got)
	}
	if n, ok, err := r.q.TargetChunkSize("fake"); err != nil || !ok || n != 2000 {
		t.Errorf("remembered chunk size %d (%v, %v), want 2000", n, ok, err)
	}
}

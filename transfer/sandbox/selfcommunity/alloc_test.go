package selfcommunity

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/ferry-sync/ferry/transfer/internal/racebuild"
	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// A tiny file's part and done requests allocate in proportion to their
// size: the multipart read buffer is sized by Content-Length, not the
// 256 KiB of a body of unknown length, which every request of a small
// file paid before (CPU zeroing it and a heap that peaked higher).
func TestTinyRequestsAllocateLittle(t *testing.T) {
	if racebuild.Enabled {
		t.Skip("the race detector allocates, and sync.Pool drops items under it: the bound is for normal builds")
	}
	e := startAs(t, Options{}, sandbox.Config{LogSize: 16})
	data := []byte("a tiny file")
	put := func(i int) {
		uuid := e.chunk(t, e.alice, "", 0, 1, data).ok(t).str("file_uuid")
		e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", fmt.Sprintf("f%d", i)}).ok(t)
	}
	for i := range 20 {
		put(i)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	const n = 100
	for i := range n {
		put(20 + i)
	}
	runtime.ReadMemStats(&m1)
	per := (m1.TotalAlloc - m0.TotalAlloc) / n // client and server together
	t.Logf("allocated per tiny file (two requests): %d KiB", per>>10)
	if per > 128<<10 {
		t.Errorf("a tiny file's two requests allocate %d KiB; want at most 128 KiB", per>>10)
	}
}

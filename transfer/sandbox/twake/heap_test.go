package twake

import (
	"fmt"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	"github.com/ferry-sync/ferry/transfer/sandbox/internal/heaptest"
)

// What a stored one-chunk file costs the sandbox's memory: its entity
// and store nodes, nothing more (no map per file for its chunks or its
// writes in progress, no piece of a request kept alive).
func TestHeapPerStoredFile(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 1,200 files")
	}
	a := New(Config{Secret: []byte("test-secret-0123456789abcdef0123"), PollUnit: time.Millisecond, PreviewDelay: time.Millisecond})
	srv, err := sandbox.New(sandbox.Config{APIs: []sandbox.API{a}, Dir: t.TempDir(), LogSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	tok, err := a.Token(a.UserID(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	e := &tenv{srv: srv, api: a, tok: tok}
	data := []byte("a tiny file of the bench's tiny tree")
	per := heaptest.PerFile(t, 200, 1000, func(i int) {
		id := e.initFile(t)
		ok(t)(e.chunk(t, id, plan(1, 1, int64(len(data)), fmt.Sprintf("f%d.txt", i)), data))
	})
	t.Logf("live heap per stored file: %d bytes", per)
	// 2,660 bytes before (a map per file for its chunks and one for its
	// writes, the request line kept alive by the plan's strings, Meta as
	// a map); 1,650 after that, about 1,140 with the store's nodes
	// compact and their records on disk.
	const maxHeapPerFile = 1350
	if per > maxHeapPerFile {
		t.Errorf("each stored file keeps %d bytes of heap; want at most %d", per, maxHeapPerFile)
	}
}

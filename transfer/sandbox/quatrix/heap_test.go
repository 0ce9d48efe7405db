package quatrix_test

import (
	"fmt"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox/internal/heaptest"
)

// What a stored file costs the sandbox's memory: its node, nothing of its
// upload key once finalized.
func TestHeapPerStoredFile(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 1,200 files")
	}
	e := start(t, opts{logSize: 16})
	tok := e.login(alice)
	dir := e.mkdir(tok, e.home(), "d")
	per := heaptest.PerFile(t, 200, 1000, func(i int) {
		e.put(tok, dir, fmt.Sprintf("f%d.txt", i), "a tiny file", "1")
	})
	t.Logf("live heap per stored file: %d bytes", per)
	// 868 bytes before (Meta a map), 640 with Meta flat, about 255 with
	// the store's nodes compact and their records on disk.
	const maxHeapPerFile = 320
	if per > maxHeapPerFile {
		t.Errorf("each stored file keeps %d bytes of heap; want at most %d", per, maxHeapPerFile)
	}
}

package sandbox

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox/internal/heaptest"
)

// What the store keeps per committed file, with a Meta of two entries:
// its node, id, name and content reference, as compact as the API lets
// it be (no map per node, no hex strings for the sum and the blob id).
func TestStoreHeapPerFile(t *testing.T) {
	s := newTestStore(t)
	dir, _, err := s.EnsureFolder("x", s.Root("x").ID, "d")
	if err != nil {
		t.Fatal(err)
	}
	per := heaptest.PerFile(t, 200, 2000, func(i int) {
		if _, err := s.Commit("x", dir.ID, fmt.Sprintf("f%d", i), blobOf(t, s, "tiny"),
			CommitOptions{Meta: map[string]string{"kind": "file", "owner": "11"}}); err != nil {
			t.Fatal(err)
		}
	})
	runtime.KeepAlive(s) // live through the measurement
	t.Logf("live heap per committed file: %d bytes", per)
	// 803 bytes with Meta as a map, 563 with Meta flat but the sum and the
	// blob id as strings, 485 with the node a Node (its id a string, its
	// parent an id, its folder's children in a map of every folder);
	// 392 with the node compact (node.go) but its link, content and Meta in
	// memory; about 253 now (noderec.go).
	if per > 300 {
		t.Errorf("each committed file keeps %d bytes of heap; want at most 300", per)
	}
}

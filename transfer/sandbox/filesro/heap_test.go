package filesro

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	"github.com/ferry-sync/ferry/transfer/sandbox/internal/heaptest"
)

// What a stored one-chunk file costs the sandbox's memory: its node and
// its download entry, nothing of its upload session.
func TestHeapPerStoredFile(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 1,200 files")
	}
	e := newEnv(t, Options{}, sandbox.Config{LogSize: 16})
	tok := e.token("editor")
	per := heaptest.PerFile(t, 200, 1000, func(i int) {
		name := fmt.Sprintf("f%d.txt", i)
		key := fmt.Sprintf("k%015d-%s.part", i, name)
		if r := e.post(uploadsPath(tok), chunkParts(key, name, "a tiny file", true, field("path", "/d/"+name))); r.status != http.StatusCreated {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
	})
	t.Logf("live heap per stored file: %d bytes", per)
	// 1,009 bytes before (Meta a map), 880 with Meta flat, 420 with the
	// store's nodes compact and their records (link, Meta) on disk, about
	// 327 with the download index's entries two UUIDs (fileindex.go).
	const maxHeapPerFile = 380
	if per > maxHeapPerFile {
		t.Errorf("each stored file keeps %d bytes of heap; want at most %d", per, maxHeapPerFile)
	}
}

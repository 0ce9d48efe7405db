package twake

import (
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// ChunkPosts counts the chunk uploads (route 2) for file id in a request
// log, whatever their answer. Tests use it to prove a resumed upload sent
// only the missing chunks.
func ChunkPosts(log []sandbox.LogEntry, id string) int {
	n := 0
	for _, e := range log {
		if e.API != Name || e.Route != RouteChunk {
			continue
		}
		p, _, _ := strings.Cut(e.Path, "?")
		if strings.HasSuffix(p, "/files/"+id) {
			n++
		}
	}
	return n
}

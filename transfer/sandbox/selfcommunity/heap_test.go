package selfcommunity

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	"github.com/ferry-sync/ferry/transfer/sandbox/internal/heaptest"
)

// What a file sent as Ferry sends it (one part, done with the MD5, a
// message to a recipient naming the file and its path) costs the
// sandbox's memory once finished: its records (the upload's final
// fields, the message, the store nodes), not the state of an open upload
// (parts, MD5 follower, blob) nor pieces of its requests.
func TestHeapPerSentFile(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 1,200 files")
	}
	e := startAs(t, Options{}, sandbox.Config{LogSize: 16})
	data := []byte("a tiny file of the bench's tiny tree")
	per := heaptest.PerFile(t, 200, 1000, func(i int) {
		name := fmt.Sprintf("f%d.txt", i)
		uuid := e.chunk(t, e.alice, "", 0, 1, data).ok(t).str("file_uuid")
		e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", name}, [2]string{"md5", md5hex(data)}).ok(t)
		body := `{"recipients":[12],"message":"dir/` + name + `","file_uuid":"` + uuid + `"}`
		if a := e.do(t, req{path: "/api/v2/pm/", token: e.alice, ctype: "application/json", body: strings.NewReader(body)}); a.status != http.StatusCreated {
			t.Fatalf("message: %d %s", a.status, a.raw)
		}
	})
	t.Logf("live heap per sent file: %d bytes", per)
	// 2,643 bytes before (a finished upload kept its parts, MD5 follower
	// and blob; Meta a map; a map of children for each file's folder);
	// 1,900 after that, 1,260 with the store's nodes compact and their
	// records on disk, about 1,130 with no file_url kept per upload and a
	// message's file uuid the upload's own string.
	const maxHeapPerFile = 1200
	if per > maxHeapPerFile {
		t.Errorf("each sent file keeps %d bytes of heap; want at most %d", per, maxHeapPerFile)
	}
}

package selfcommunity

import (
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// The expire fault makes the server forget an unfinished upload: the next
// request naming it gets the unknown-uuid answer, and finished files are
// never forgotten.
func TestExpireFault(t *testing.T) {
	e := startConfig(t, Options{}, sandbox.Config{Faults: sandbox.FaultProfile{Expire: 1}})
	data := testData(600)
	u := e.chunk(t, e.alice, "", 0, 2, data[:300]).ok(t).str("file_uuid")
	e.chunk(t, e.alice, u, 1, 2, data[300:]).wantError(t, 400, "uuid", "")
	e.done(t, e.alice, [2]string{"uuid", u}, [2]string{"filename", "e.bin"}).wantError(t, 400, "uuid", "")

	s := e.do(t, req{token: e.alice, fields: [][2]string{{"filename", "keep.txt"}}, fileName: "file", file: data}).ok(t)
	e.done(t, e.alice, [2]string{"uuid", s.str("file_uuid")}, [2]string{"filename", "keep.txt"}).ok(t)
}

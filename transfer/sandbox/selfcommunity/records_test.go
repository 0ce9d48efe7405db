package selfcommunity

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// A finished upload keeps no spelled-out file_url (it is spelt again from
// the uuid and stored name when an answer needs it) and a message keeps
// its file's uuid as the upload's own string: the answers are the same
// as when they were kept. A repeated done long after (rule
// sc.done.again), the thumbnail's answer, the file a message carries and
// the URL that serves the bytes all agree with the first answers.
func TestFinishedRecordsAnswerAsBefore(t *testing.T) {
	e := startAs(t, Options{}, sandbox.Config{}) // the default mode: a repeated done answers again
	data := []byte("the file whose answers are repeated")
	uuid := e.chunk(t, e.alice, "", 0, 1, data).ok(t).str("file_uuid")
	first := e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "a b.txt"}, [2]string{"md5", md5hex(data)}).ok(t)
	url := first.str("file_url")
	if !strings.HasSuffix(url, "/media/pm/"+uuid+"/a%20b.txt") {
		t.Fatalf("done answered file_url %q", url)
	}
	th := e.do(t, req{token: e.alice, fields: [][2]string{{"parentuuid", uuid}}, fileName: "file", partName: "a b.png", file: tinyPNG(t)}).ok(t)
	for i := range 40 { // other uploads in between
		u := e.chunk(t, e.alice, "", 0, 1, data).ok(t).str("file_uuid")
		e.done(t, e.alice, [2]string{"uuid", u}, [2]string{"filename", fmt.Sprintf("o%d.txt", i)}).ok(t)
	}
	again := e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "a b.txt"}).ok(t)
	if again.str("file_url") != url || again.str("file_uuid") != uuid {
		t.Errorf("repeated done: %s, want the first answer %s", again.raw, first.raw)
	}
	if th.str("parent_file_uuid") != uuid || !strings.Contains(th.str("file_url"), "/media/pm/"+th.str("file_uuid")+"/") {
		t.Errorf("thumbnail answer %s", th.raw)
	}
	body := `{"recipients":[12],"file_uuid":"` + uuid + `"}`
	a := e.do(t, req{path: "/api/v2/pm/", token: e.alice, ctype: "application/json", body: strings.NewReader(body)})
	if a.status != http.StatusCreated || len(a.list) != 1 {
		t.Fatalf("message: %d %s", a.status, a.raw)
	}
	if f, _ := a.list[0]["file"].(map[string]any); f["url"] != url || f["uuid"] != uuid {
		t.Errorf("the message's file %v, want url %q uuid %q", f, url, uuid)
	}
	if ms := e.api.Messages(); len(ms) != 1 || ms[0].FileUUID != uuid || ms[0].FileName != "a b.txt" {
		t.Errorf("recorded messages %+v", ms)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d", url, resp.StatusCode)
	}
}

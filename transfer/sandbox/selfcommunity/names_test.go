package selfcommunity

import (
	"regexp"
	"strings"
	"testing"
)

// A taken name gets Django's "_<7 characters>" suffix; with the switch
// off both files keep the name in their own uuid folders.
func TestUniqueNames(t *testing.T) {
	data := testData(100)
	send := func(e *testEnv) string {
		a := e.do(t, req{token: e.alice, fields: [][2]string{{"filename", "same name.txt"}}, fileName: "file", file: data}).ok(t)
		u := a.str("file_url")
		return u[strings.LastIndex(u, "/")+1:]
	}
	e := start(t, Options{}, nil)
	first, second := send(e), send(e)
	if first != "same%20name.txt" || !regexp.MustCompile(`^same%20name_[A-Za-z0-9]{7}\.txt$`).MatchString(second) {
		t.Fatalf("stored as %q and %q", first, second)
	}
	off := start(t, Options{}, map[string]bool{SwitchUnique: false})
	if a, b := send(off), send(off); a != b {
		t.Fatalf("with the switch off: %q and %q", a, b)
	}
	if n := len(off.srv.Tree(Name)); n != 4 {
		t.Fatalf("%d entries, want two uuid folders with a file each", n)
	}
}

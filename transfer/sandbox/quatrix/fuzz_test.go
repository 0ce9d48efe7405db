package quatrix

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","parent_id":"6f1f3c9e-2b1a-4c8d-9e0f-1a2b3c4d5e6f","resolve":true,"file_size":3}`,
		`{"name":null}`, `[]`, `{"extra":1}`, `{"file_size":1.5}`, `{} {}`, "", "\xff", `{"name":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req struct {
			Name     *string `json:"name"`
			ParentID *string `json:"parent_id"`
			Resolve  *bool   `json:"resolve"`
			FileSize *int64  `json:"file_size"`
		}
		e := decodeJSON(body, &req)
		if e != nil && (e.status != 400 || e.Code != codeBadParameter || e.Msg == "") {
			t.Fatalf("decode error %+v is not a 400 code 10", e)
		}
		if e == nil && !utf8.Valid(body) {
			t.Fatal("accepted a body that is not UTF-8")
		}
	})
}

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-9/10", "bytes 5-4/10", "bytes 0-0/0", "bytes 1-2/*", "bytes 99999999999999999999-1/2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		start, end, total, ok := parseContentRange(h)
		if !ok {
			return
		}
		if start < 0 || end < start || total <= 0 || !strings.HasPrefix(h, "bytes ") {
			t.Fatalf("%q parsed as %d-%d/%d", h, start, end, total)
		}
	})
}

func FuzzParseMtime(f *testing.F) {
	for _, s := range []string{"1690000000.123456", "1690000000", "1.1234567", "-1", "1e9", "0.5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		us, ok := parseMtime(s)
		if ok && (us < 0 || strings.ContainsAny(s, "-eE+ ")) {
			t.Fatalf("%q parsed as %d", s, us)
		}
	})
}

func FuzzNameError(f *testing.F) {
	for _, s := range []string{"a", ".", "..", "a/b", "a ", "\x7f", "ü", strings.Repeat("x", 256)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if nameError(name) != "" {
			return
		}
		if !utf8.ValidString(name) || name == "" || name == "." || name == ".." ||
			strings.ContainsAny(name, "/\\\x00\x7f") || utf8.RuneCountInString(name) > 255 {
			t.Fatalf("accepted bad name %q", name)
		}
	})
}

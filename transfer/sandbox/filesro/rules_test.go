package filesro

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// TestValidation covers the 422 cases of sections 2.2, 2.7 and 2.10.3
// with Laravel's message shapes.
func TestValidation(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	ok := func() map[string]part {
		return map[string]part{
			"name": field("name", "a.txt"), "extension": field("extension", "txt"),
			"is_last_chunk": field("is_last_chunk", "1"), "chunk": filePart("chunk", "key-a.txt.part", "abc"),
		}
	}
	cases := []struct {
		name    string
		edit    func(m map[string]part)
		field   string
		message string
	}{
		{"missing name", func(m map[string]part) { delete(m, "name") }, "name", "The name field is required."},
		{"empty name", func(m map[string]part) { m["name"] = field("name", "") }, "name", "The name field is required. (and 1 more error)"},
		{"missing extension", func(m map[string]part) { delete(m, "extension") }, "extension", "The extension field is required."},
		{"empty extension", func(m map[string]part) { m["extension"] = field("extension", "") }, "extension", "The extension field is required."},
		{"missing is_last_chunk", func(m map[string]part) { delete(m, "is_last_chunk") }, "is_last_chunk", "The is last chunk field is required."},
		{"is_last_chunk true", func(m map[string]part) { m["is_last_chunk"] = field("is_last_chunk", "true") }, "is_last_chunk", "The is last chunk field must be true or false."},
		{"is_last_chunk false", func(m map[string]part) { m["is_last_chunk"] = field("is_last_chunk", "false") }, "is_last_chunk", "The is last chunk field must be true or false."},
		{"is_last_chunk yes", func(m map[string]part) { m["is_last_chunk"] = field("is_last_chunk", "yes") }, "is_last_chunk", "The is last chunk field must be true or false."},
		{"is_last_chunk empty", func(m map[string]part) { m["is_last_chunk"] = field("is_last_chunk", "") }, "is_last_chunk", "The is last chunk field is required. (and 1 more error)"},
		{"parent_id not uuid", func(m map[string]part) { m["parent_id"] = field("parent_id", "folder_123") }, "parent_id", "The parent id must be a valid UUID."},
		{"parent_id empty", func(m map[string]part) { m["parent_id"] = field("parent_id", "") }, "parent_id", "The parent id must be a valid UUID."},
		{"path empty", func(m map[string]part) { m["path"] = field("path", "") }, "path", "The path must be a string."},
		{"missing chunk", func(m map[string]part) { delete(m, "chunk") }, "chunk", "The chunk field is required."},
		{"chunk as a field", func(m map[string]part) { m["chunk"] = field("chunk", "abc") }, "chunk", "The chunk must be a file."},
		{"chunk without filename", func(m map[string]part) { m["chunk"] = filePart("chunk", "", "abc") }, "chunk", "The chunk field is required. (and 1 more error)"},
		{"everything missing", func(m map[string]part) { clear(m) }, "name", "The name field is required. (and 3 more errors)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := ok()
			c.edit(m)
			var parts []part
			for _, k := range []string{"name", "extension", "is_last_chunk", "parent_id", "path", "chunk"} {
				if p, found := m[k]; found {
					parts = append(parts, p)
				}
			}
			r := e.post(uploadsPath(tok), parts)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d %s, want 422", r.status, r.body)
			}
			body := r.json(t)
			errs, _ := body["errors"].(map[string]any)
			if body["message"] != c.message || errs[c.field] == nil {
				t.Fatalf("body %s; want message %q and errors.%s", r.body, c.message, c.field)
			}
		})
	}
	if e.files() != 0 || len(e.api.Pending()) != 0 {
		t.Fatalf("rejected requests left files %d or pending %+v", e.files(), e.api.Pending())
	}
	// A body that is not multipart gives Laravel no input at all.
	req, _ := http.NewRequest(http.MethodPost, e.srv.BaseURL()+uploadsPath(tok), strings.NewReader(`{"name":"a"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := e.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Fatalf("JSON body: %d, want 422", resp.StatusCode)
	}
}

// TestDisabledMimetype: the blacklist holds halves of a type
// (DisabledMimetypes.php:16-19 explodes the sniffed type at "/"), and the
// rule runs on every chunk: a middle chunk that sniffs as gzip is refused
// although the file's first chunk is text.
func TestDisabledMimetype(t *testing.T) {
	e := strictEnv(t, Options{DisabledMimetypes: []string{"x-gzip", "exe"}})
	r := e.post(uploadsPath(e.token("editor")), chunkParts("k", "a.gz", "\x1f\x8b\x08\x00rest", true))
	if r.status != 422 || r.json(t)["message"] != "Type of this mime type is not allowed." {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := e.post(uploadsPath(e.token("editor")), chunkParts("k2", "a.txt", "plain text first", false)); r.status != 200 {
		t.Fatalf("first chunk: %d %s", r.status, r.body)
	}
	r = e.post(uploadsPath(e.token("editor")), chunkParts("k2", "a.txt", "\x1f\x8b\x08\x00middle", false))
	if r.status != 422 {
		t.Fatalf("gzip-looking middle chunk: %d %s, want 422", r.status, r.body)
	}
	// A whole type in the list matches neither half: not refused.
	e2 := strictEnv(t, Options{DisabledMimetypes: []string{"application/x-gzip"}})
	if r := e2.post(uploadsPath(e2.token("editor")), chunkParts("k", "b.gz", "\x1f\x8b\x08\x00rest", true)); r.status != 201 {
		t.Fatalf("full type in the list: %d %s, want 201 (only halves match)", r.status, r.body)
	}
}

// TestAcceptHeader: without Accept: application/json a validation failure
// is Laravel's 302; the strict switch refuses every such request.
func TestAcceptHeader(t *testing.T) {
	strict := strictEnv(t, Options{})
	r := strict.post(uploadsPath(strict.token("editor")), chunkParts("k", "a", "x", true), "Accept", "")
	if r.status != http.StatusFound || r.header.Get("Location") == "" {
		t.Fatalf("strict without Accept: %d", r.status)
	}
	lenient := newEnv(t, Options{}, sandboxConfig(false))
	tok := lenient.token("editor")
	if r := lenient.post(uploadsPath(tok), chunkParts("k", "a", "x", true), "Accept", ""); r.status != 201 {
		t.Fatalf("lenient valid without Accept: %d %s", r.status, r.body)
	}
	if r := lenient.post(uploadsPath(tok), chunkParts("k2", "", "x", true), "Accept", ""); r.status != http.StatusFound {
		t.Fatalf("lenient invalid without Accept: %d %s", r.status, r.body)
	}
	// An explicit switch wins over Strict.
	off := newEnv(t, Options{}, sandbox.Config{Strict: true, Switches: map[string]bool{"filesro.accept": false}})
	if r := off.post(uploadsPath(off.token("editor")), chunkParts("k", "a", "x", true), "Accept", ""); r.status != 201 {
		t.Fatalf("accept switched off: %d", r.status)
	}
}

func TestShareChecks(t *testing.T) {
	e := strictEnv(t, Options{})
	r := e.post(uploadsPath("NoSuchToken12345"), chunkParts("k", "a", "x", true))
	if r.status != 404 || !strings.HasPrefix(fmt.Sprint(r.json(t)["message"]), "No query results for model") {
		t.Fatalf("unknown token: %d %s", r.status, r.body)
	}
	r = e.post(uploadsPath(e.token("visitor")), chunkParts("k", "a", "x", true))
	if body := r.json(t); r.status != 403 || body["message"] != "Access Denied" || body["type"] != "error" {
		t.Fatalf("visitor: %d %s", r.status, r.body)
	}
	// Validation runs before the permission check (Laravel's order).
	if r := e.post(uploadsPath(e.token("visitor")), chunkParts("k", "", "x", true)); r.status != 422 {
		t.Fatalf("invalid visitor request: %d, want 422 first", r.status)
	}
	if e.files() != 0 {
		t.Fatal("refused uploads stored a file")
	}
}

func TestProtectedShare(t *testing.T) {
	e := strictEnv(t, Options{})
	sh, _, _ := e.api.ShareByName("protected")
	up := uploadsPath(sh.Token)
	r := e.post(up, chunkParts("k", "a", "x", true))
	if body := r.json(t); r.status != 403 || body["message"] != "Sorry, you don't have permission" {
		t.Fatalf("no cookie: %d %s", r.status, r.body)
	}
	authPath := "/api/sharing/authenticate/" + sh.Token
	if r := e.post(authPath, []part{field("password", "wrong")}); r.status != 401 {
		t.Fatalf("wrong password: %d %s", r.status, r.body)
	}
	r = e.post(authPath, []part{field("password", sh.Password)})
	if r.status != 200 {
		t.Fatalf("authenticate: %d %s", r.status, r.body)
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == CookieName {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no share_session cookie")
	}
	if r := e.post(up, chunkParts("k", "a", "x", true), "Cookie", CookieName+"="+cookie.Value); r.status != 201 {
		t.Fatalf("with cookie: %d %s", r.status, r.body)
	}
	// A forged cookie with the right shape but no issued nonce is refused.
	forged := `eyJ0b2tlbiI6IngiLCJhdXRoZW50aWNhdGVkIjp0cnVlfQ`
	if r := e.post(up, chunkParts("k2", "b", "x", true), "Cookie", CookieName+"="+forged); r.status != 403 {
		t.Fatalf("forged cookie: %d", r.status)
	}
	// The VFM authenticate path and a JSON body work too.
	req, _ := http.NewRequest(http.MethodPost, e.srv.BaseURL()+"/api/sharing/authenticate/"+sh.Token,
		strings.NewReader(`{"password":"`+sh.Password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 {
		t.Fatalf("VFM authenticate: %d", resp.StatusCode)
	}
	// Neither the password, the token nor the cookie reaches the log.
	for _, l := range e.srv.Log() {
		s := fmt.Sprintf("%+v", l)
		for _, secret := range []string{sh.Password, sh.Token, cookie.Value} {
			if strings.Contains(s, secret) {
				t.Fatalf("log entry leaks a secret: %s", s)
			}
		}
	}
}

func TestLimits(t *testing.T) {
	e := strictEnv(t, Options{UploadLimit: 10, Quota: 15, MaxRequestBody: 4096})
	tok := e.token("editor")
	if r := e.post(uploadsPath(tok), chunkParts("k1", "big", "0123456789", false)); r.status != 200 {
		t.Fatalf("chunk under limits: %d", r.status)
	}
	if r := e.post(uploadsPath(tok), chunkParts("k1", "big", "X", true)); r.status != 413 {
		t.Fatalf("upload limit at finalize: %d %s", r.status, r.body)
	}
	if r := e.post(uploadsPath(tok), chunkParts("k2", "ten", "0123456789", true)); r.status != 201 {
		t.Fatalf("within limits: %d %s", r.status, r.body)
	}
	r := e.post(uploadsPath(tok), chunkParts("k3", "six", "012345", true))
	if body := r.json(t); r.status != 401 || body["type"] != "error" {
		t.Fatalf("quota: %d %s", r.status, r.body)
	}
	if r := e.post(uploadsPath(tok), chunkParts("k4", "huge", strings.Repeat("h", 5000), true)); r.status != 413 {
		t.Fatalf("request body over MaxRequestBody: %d", r.status)
	}
	if e.files() != 1 || len(e.api.Pending()) != 0 {
		t.Fatalf("files %d pending %+v; want only the 10-byte file", e.files(), e.api.Pending())
	}
}

func TestRateLimit(t *testing.T) {
	clock := &fixedClock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, Options{RateLimit: 3}, sandbox.Config{
		Strict: true, Now: clock.now, Switches: map[string]bool{"filesro.ratelimit": true},
	})
	tok := e.token("editor")
	for i := range 3 {
		if r := e.post(uploadsPath(tok), chunkParts(fmt.Sprint("k", i), fmt.Sprint("f", i), "x", true)); r.status != 201 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	clock.add(20 * time.Second)
	r := e.post(uploadsPath(tok), chunkParts("k9", "f9", "x", true))
	if r.status != 429 || r.header.Get("Retry-After") != "40" || r.json(t)["message"] != "Too Many Attempts." {
		t.Fatalf("over the limit: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	clock.add(40 * time.Second)
	if r := e.post(uploadsPath(tok), chunkParts("k9", "f9", "x", true)); r.status != 201 {
		t.Fatalf("next window: %d", r.status)
	}
	// Off by default.
	free := strictEnv(t, Options{RateLimit: 1})
	for i := range 3 {
		if r := free.post(uploadsPath(free.token("editor")), chunkParts(fmt.Sprint("k", i), fmt.Sprint("f", i), "x", true)); r.status != 201 {
			t.Fatalf("default (no rate limit) request %d: %d", i, r.status)
		}
	}
}

func TestNewValidation(t *testing.T) {
	for _, opt := range []Options{
		{Shares: []Share{{Name: "", Permission: PermEditor}}},
		{Shares: []Share{{Name: "a", Permission: PermEditor}, {Name: "a", Permission: PermEditor}}},
		{Shares: []Share{{Name: "a", Permission: "owner"}}},
		{Shares: []Share{{Name: "a", Token: "t", Permission: PermEditor}, {Name: "b", Token: "t", Permission: PermEditor}}},
		{UploadLimit: -1},
	} {
		if _, err := New(opt); err == nil {
			t.Errorf("New(%+v) accepted", opt)
		}
	}
	a, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	creds := a.Credentials()
	if len(creds) != 4 || len(creds[0].Value) != 16 {
		t.Fatalf("default credentials: %+v", creds)
	}
}

func TestCookieIsPerShare(t *testing.T) {
	e := strictEnv(t, Options{Shares: []Share{
		{Name: "p1", Permission: PermEditor, Password: "first-password"},
		{Name: "p2", Permission: PermEditor, Password: "second-password"},
	}})
	p1, _, _ := e.api.ShareByName("p1")
	p2, _, _ := e.api.ShareByName("p2")
	r := e.post("/api/sharing/authenticate/"+p1.Token, []part{field("password", p1.Password)})
	cookies := (&http.Response{Header: r.header}).Cookies()
	if r.status != 200 || len(cookies) != 1 {
		t.Fatalf("authenticate: %d", r.status)
	}
	hdr := []string{"Cookie", CookieName + "=" + cookies[0].Value}
	if r := e.post(uploadsPath(p2.Token), chunkParts("k", "a", "x", true), hdr...); r.status != 403 {
		t.Fatalf("p1 cookie on p2: %d", r.status)
	}
	if r := e.post(uploadsPath(p1.Token), chunkParts("k", "a", "x", true), hdr...); r.status != 201 {
		t.Fatalf("p1 cookie on p1: %d %s", r.status, r.body)
	}
}

// TestProtectedVisitorOrder: the protection check comes before the
// permission check (2.6 steps 4 and 5).
func TestProtectedVisitorOrder(t *testing.T) {
	e := strictEnv(t, Options{Shares: []Share{{Name: "pv", Permission: PermVisitor, Password: "view-only-pw"}}})
	sh, _, _ := e.api.ShareByName("pv")
	r := e.post(uploadsPath(sh.Token), chunkParts("k", "a", "x", true))
	if r.status != 403 || r.json(t)["message"] != "Sorry, you don't have permission" {
		t.Fatalf("without cookie: %d %s", r.status, r.body)
	}
	a := e.post("/api/sharing/authenticate/"+sh.Token, []part{field("password", sh.Password)})
	cookies := (&http.Response{Header: a.header}).Cookies()
	if a.status != 200 || len(cookies) != 1 {
		t.Fatalf("authenticate: %d", a.status)
	}
	r = e.post(uploadsPath(sh.Token), chunkParts("k", "a", "x", true), "Cookie", CookieName+"="+cookies[0].Value)
	if r.status != 403 || r.json(t)["message"] != "Access Denied" {
		t.Fatalf("with cookie: %d %s", r.status, r.body)
	}
}

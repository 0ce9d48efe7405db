package quatrix_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	"github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
)

// §11.1: the API under /api/1.0, the data endpoints at the host root.
func TestRouting(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	_, key, _ := e.link(tok, e.home(), "r.bin", 3)
	wantErr(t, e.req("POST", "/api/1.0/upload/chunked/"+key, map[string]string{"Content-Range": "bytes 0-2/3"}, "abc"), 404, 20)
	wantErr(t, e.call(tok, "GET", "/no/such/endpoint", nil), 404, 20)
	wantOK(t, e.chunk(key, 0, 3, []byte("abc"), nil), 200)
	// §11.2: repeated slashes are normalised: net/http's ServeMux answers
	// 307 to the clean path, which keeps method and body, and clients
	// follow it (rclone's download URL has "//").
	wantOK(t, e.req("GET", "/api/1.0//profile", map[string]string{"X-Auth-Token": tok}, nil), 200)
	r := e.req("POST", "/api/1.0//file///id", map[string]string{"X-Auth-Token": tok, "Content-Type": "application/json"}, `{"path":""}`)
	wantOK(t, r, 200)
	if r.obj(t)["file_id"] != e.home() {
		t.Errorf("POST through // paths: %s", r.body)
	}
}

// §11.4: every endpoint but login needs a credential.
func TestAuthRequired(t *testing.T) {
	e := start(t, opts{})
	for _, ep := range []string{
		"GET /session/keepalive", "GET /session/logout", "GET /profile", "GET /profile/info",
		"POST /file/id", "GET /file/metadata", "GET /file/metadata/" + e.home(), "POST /file/metadata",
		"POST /file/makedir", "POST /file/modify", "POST /file/delete", "POST /upload/link",
		"GET /upload/finalize/" + sandbox.NewID(),
	} {
		method, path, _ := strings.Cut(ep, " ")
		wantErr(t, e.req(method, "/api/1.0"+path, nil, nil), 401, 14)
		wantErr(t, e.req(method, "/api/1.0"+path, map[string]string{"X-Auth-Token": sandbox.NewID()}, nil), 401, 14)
		wantErr(t, e.req(method, "/api/1.0"+path, map[string]string{"Authorization": "Bearer nope"}, nil), 401, 14)
		wantErr(t, e.req(method, "/api/1.0"+path, map[string]string{"Authorization": "Basic YTpi"}, nil), 401, 14)
	}
	wantOK(t, e.req("GET", "/api/1.0/profile", map[string]string{"Authorization": "Bearer " + aliceKey}, nil), 200)
	tok := e.login(alice)
	wantOK(t, e.req("GET", "/api/1.0/profile", map[string]string{"Cookie": "token=" + tok}, nil), 200)
}

// §11.6: Basic-auth login, 401 on bad credentials, 207 for MFA accounts.
func TestLogin(t *testing.T) {
	e := start(t, opts{})
	r, _ := http.NewRequest("GET", e.srv.BaseURL()+"/api/1.0/session/login", nil)
	r.SetBasicAuth(alice, pw)
	res, err := e.hc.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	tok := res.Header.Get("X-Auth-Token")
	if res.StatusCode != 200 || tok == "" {
		t.Fatalf("login: %d, token %q", res.StatusCode, tok)
	}
	if c := res.Cookies(); len(c) != 1 || c[0].Name != "token" || c[0].Value != tok {
		t.Errorf("login cookies %v", c)
	}
	prof := e.call(tok, "GET", "/profile", nil).obj(t)
	if prof["home_id"] != e.home() || prof["email"] != alice {
		t.Errorf("profile %v", prof)
	}

	for _, bad := range [][2]string{{alice, "wrong"}, {"nobody@example.com", pw}} {
		r, _ := http.NewRequest("GET", e.srv.BaseURL()+"/api/1.0/session/login", nil)
		r.SetBasicAuth(bad[0], bad[1])
		res, err := e.hc.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Errorf("login %s: %d, want 401", bad[0], res.StatusCode)
		}
	}
	wantErr(t, e.req("GET", "/api/1.0/session/login", nil, nil), 401, 14)

	r, _ = http.NewRequest("GET", e.srv.BaseURL()+"/api/1.0/session/login", nil)
	r.SetBasicAuth(mfaUser, pw)
	res, err = e.hc.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		SessionID string `json:"session_id"`
	}
	out := resp{status: res.StatusCode, header: res.Header}
	out.body = readAll(t, res)
	out.json(t, &body)
	if out.status != 207 || out.header.Get("Mfa-Code") != "71" || body.SessionID == "" {
		t.Fatalf("MFA login: %d %v %s", out.status, out.header, out.body)
	}
	wantErr(t, e.call(body.SessionID, "GET", "/profile", nil), 401, 14)
	wantErr(t, e.req("POST", "/api/1.0/session/login", map[string]string{"Content-Type": "application/json"}, `{"auth_type":"2FA","code":"1"}`), 400, 21)
}

// §11.5: 15 minutes idle expiry, refreshed by calls and keepalive; logout.
func TestSessionLifetime(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	for range 3 {
		e.clock.Advance(14 * time.Minute)
		wantOK(t, e.call(tok, "GET", "/session/keepalive", nil), 200)
	}
	if r := e.call(tok, "GET", "/session/keepalive", nil); len(r.body) != 0 {
		t.Errorf("keepalive body %q, want empty", r.body)
	}
	e.clock.Advance(14 * time.Minute)
	wantOK(t, e.call(tok, "GET", "/profile", nil), 200)
	e.clock.Advance(15*time.Minute + time.Second)
	wantErr(t, e.call(tok, "GET", "/profile", nil), 401, 14)

	tok = e.login(alice)
	wantOK(t, e.call(tok, "GET", "/session/logout", nil), 200)
	wantErr(t, e.call(tok, "GET", "/profile", nil), 401, 14)

	tok = e.login(alice)
	e.api.ExpireSessions()
	wantErr(t, e.call(tok, "GET", "/profile", nil), 401, 14)
	// API keys have no session to expire.
	e.clock.Advance(24 * time.Hour)
	wantOK(t, e.req("GET", "/api/1.0/profile", map[string]string{"Authorization": "Bearer " + aliceKey}, nil), 200)
}

// The core's "expire" fault makes sessions expire at random.
func TestExpireFault(t *testing.T) {
	e := start(t, opts{faults: sandbox.FaultProfile{Expire: 1}})
	tok := e.login(alice)
	wantErr(t, e.call(tok, "GET", "/profile", nil), 401, 14)
}

// §11.6 (optional): 15 logins per 15 minutes.
func TestLoginRateLimit(t *testing.T) {
	e := start(t, opts{switches: map[string]bool{quatrix.SwitchLoginLimit: true}})
	for range 15 {
		e.login(alice)
	}
	r, _ := http.NewRequest("GET", e.srv.BaseURL()+"/api/1.0/session/login", nil)
	r.SetBasicAuth(alice, pw)
	res, err := e.hc.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	out := resp{status: res.StatusCode, header: res.Header, body: readAll(t, res)}
	wantErr(t, out, 429, 70)
	if out.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	e.clock.Advance(15 * time.Minute)
	e.login(alice)
}

// §11.8: JSON bodies: objects only, known fields of the right type,
// required fields present, Content-Type checked when strict.
func TestJSONRules(t *testing.T) {
	e := start(t, opts{})
	tok := e.login(alice)
	h := e.home()
	cases := []struct {
		name, path, body string
		code             int
	}{
		{"unknown field", "/upload/link", `{"name":"a","parent_id":"` + h + `","extra":1}`, 10},
		{"id not uuid", "/upload/link", `{"name":"a","parent_id":"home"}`, 10},
		{"resolve not bool", "/upload/link", `{"name":"a","parent_id":"` + h + `","resolve":"yes"}`, 10},
		{"negative size", "/upload/link", `{"name":"a","parent_id":"` + h + `","file_size":-1}`, 10},
		{"fractional size", "/upload/link", `{"name":"a","parent_id":"` + h + `","file_size":1.5}`, 10},
		{"missing name", "/upload/link", `{"parent_id":"` + h + `"}`, 11},
		{"missing parent", "/upload/link", `{"name":"a"}`, 11},
		{"null parent", "/upload/link", `{"name":"a","parent_id":null}`, 11},
		{"array", "/upload/link", `[{"name":"a"}]`, 10},
		{"empty", "/upload/link", ``, 10},
		{"trailing", "/upload/link", `{"name":"a","parent_id":"` + h + `"} {}`, 10},
		{"modify without id", "/file/modify", `{"truncate":0}`, 11},
		{"modify negative truncate", "/file/modify", `{"id":"` + h + `","truncate":-1}`, 10},
		{"delete without ids", "/file/delete", `{}`, 11},
		{"delete id not uuid", "/file/delete", `{"ids":["x"]}`, 10},
		{"metadata without id", "/file/metadata", `{"mtime":1}`, 11},
		{"file/id without path", "/file/id", `{}`, 11},
		{"makedir without name", "/file/makedir", `{"target":"` + h + `"}`, 11},
		{"makedir target not uuid", "/file/makedir", `{"target":1,"name":"x"}`, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, e.call(tok, "POST", tc.path, tc.body), 400, tc.code)
		})
	}
	noCT := map[string]string{"X-Auth-Token": tok}
	body := `{"name":"ct","parent_id":"` + h + `"}`
	wantErr(t, e.req("POST", "/api/1.0/upload/link", noCT, body), 400, 10)

	lenient := start(t, opts{switches: map[string]bool{quatrix.SwitchContentType: false}})
	ltok := lenient.login(alice)
	lbody := `{"name":"ct","parent_id":"` + lenient.home() + `"}`
	wantOK(t, lenient.req("POST", "/api/1.0/upload/link", map[string]string{"X-Auth-Token": ltok}, lbody), 200)
}

func readAll(t *testing.T, res *http.Response) []byte {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

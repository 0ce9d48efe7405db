package quatrix_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
)

// pinShare uploads a file and makes a public one-file share of it with the
// given share/create pin field ("" leaves it out); it returns the share id,
// the download address and the share/create answer.
func (e *tenv) pinShare(tok, pin string) (string, string, resp) {
	e.t.Helper()
	e.files++
	id := e.put(tok, e.home(), "secret"+itoa(int64(e.files))+".txt", "the content", "1700000000")
	body := map[string]any{"folder_id": e.home(), "files": []string{id}, "contacts": []string{}, "share_type": "P"}
	if pin != "" {
		body["pin"] = pin
	}
	r := e.call(tok, "POST", "/share/create", body)
	if r.status != 201 {
		return "", "", r
	}
	share := r.obj(e.t)["id"].(string)
	lr := e.call(tok, "GET", "/share/download-link/"+share, nil)
	wantOK(e.t, lr, 200)
	return share, e.srv.BaseURL() + "/api/1.0/share/download/" + lr.obj(e.t)["id"].(string), r
}

// visitor is a client with its own cookie jar and no credentials: someone
// the link was given to.
type visitor struct {
	e  *tenv
	hc *http.Client
}

func (e *tenv) visitor() *visitor {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	hc := *e.hc
	hc.Jar = jar
	return &visitor{e: e, hc: &hc}
}

func (v *visitor) do(method, url, body string) resp {
	v.e.t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		v.e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := v.hc.Do(req)
	if err != nil {
		v.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		v.e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func (v *visitor) loginPin(body string) resp {
	v.e.t.Helper()
	return v.do("POST", v.e.srv.BaseURL()+"/api/1.0/share/login-pin", body)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// Q-SHARE-PIN-LOGIN, Q-SHARE-PIN-DOWNLOAD: a share made with a PIN refuses
// its download (401 code 73) until a PIN login for it; a wrong PIN is 401
// code 84 and unlocks nothing; the right one sets a cookie that lets this
// visitor, and no other, download.
func TestSharePinLogin(t *testing.T) {
	for _, lenient := range []bool{true, false} {
		e := start(t, opts{lenient: lenient})
		tok := e.login(alice)
		share, link, _ := e.pinShare(tok, b64("1234 ünï"))

		v := e.visitor()
		wantErr(t, v.do("GET", link, ""), 401, 73)
		wantErr(t, v.loginPin(`{"id":"`+share+`","pin":"`+b64("1235 ünï")+`"}`), 401, 84)
		wantErr(t, v.do("GET", link, ""), 401, 73)

		ok := v.loginPin(`{"id":"` + share + `","pin":"` + b64("1234 ünï") + `"}`)
		wantOK(t, ok, 200)
		if c := ok.header.Get("Set-Cookie"); !strings.Contains(c, "HttpOnly") || strings.Contains(c, b64("1234 ünï")) {
			t.Errorf("Set-Cookie %q: want HttpOnly, without the PIN", c)
		}
		got := v.do("GET", link, "")
		wantOK(t, got, 200)
		if string(got.body) != "the content" {
			t.Fatalf("download after the PIN login: %q", got.body)
		}
		wantErr(t, e.visitor().do("GET", link, ""), 401, 73) // another visitor

		// A second PIN share unlocked by the same visitor keeps the first.
		share2, link2, _ := e.pinShare(tok, b64("other"))
		wantErr(t, v.do("GET", link2, ""), 401, 73)
		wantOK(t, v.loginPin(`{"id":"`+share2+`","pin":"`+b64("other")+`"}`), 200)
		wantOK(t, v.do("GET", link2, ""), 200)
		wantOK(t, v.do("GET", link, ""), 200)

		// A share without a PIN needs no login.
		_, open, _ := e.pinShare(tok, "")
		wantOK(t, e.visitor().do("GET", open, ""), 200)
	}
}

// Q-SHARE-PIN-FORMAT: pin must be padded base64 of a non-empty PIN, in
// share/create and in login-pin (400 code 10); missing fields are 400
// code 11; an unknown share is 401 code 84, like a wrong PIN.
func TestSharePinMalformed(t *testing.T) {
	e := start(t, opts{lenient: true})
	tok := e.login(alice)
	for _, bad := range []string{"12345", "not base64!", "MTIzNA", ""} {
		if bad == "" {
			// pinShare leaves "" out; send it explicitly.
			id := e.put(tok, e.home(), "empty-pin.txt", "x", "1700000000")
			wantErr(t, e.call(tok, "POST", "/share/create", map[string]any{
				"folder_id": e.home(), "files": []string{id}, "contacts": []string{}, "share_type": "P", "pin": "",
			}), 400, 10)
			continue
		}
		_, _, r := e.pinShare(tok, bad)
		wantErr(t, r, 400, 10)
	}
	share, link, _ := e.pinShare(tok, b64("1234"))
	v := e.visitor()
	wantErr(t, v.loginPin(`{"id":"`+share+`","pin":"123"}`), 400, 10)
	wantErr(t, v.loginPin(`{"id":"`+share+`","pin":""}`), 400, 10)
	wantErr(t, v.loginPin(`{"id":"`+share+`"}`), 400, 11)
	wantErr(t, v.loginPin(`{"pin":"`+b64("1234")+`"}`), 400, 11)
	wantErr(t, v.loginPin(`{"id":"nope","pin":"`+b64("1234")+`"}`), 400, 10)
	wantErr(t, v.loginPin(`{"id":"`+share+`","pin":5}`), 400, 10)
	wantErr(t, v.loginPin(`{"id":"0f6a1c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b","pin":"`+b64("1234")+`"}`), 401, 84)
	wantErr(t, v.do("GET", link, ""), 401, 73)
}

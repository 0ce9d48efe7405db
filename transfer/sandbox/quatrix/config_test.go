package quatrix_test

import (
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/sandbox"
	"github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
)

// The zero Config gets a plain user, an MFA user and an API key, all
// listed by Credentials and all working.
func TestDefaultCredentials(t *testing.T) {
	api, err := quatrix.New(quatrix.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.New(sandbox.Config{Dir: t.TempDir(), Strict: true, APIs: []sandbox.API{api}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	byKind := map[string][]sandbox.Credential{}
	for _, c := range srv.Credentials() {
		if c.API != quatrix.Name || c.Value == "" {
			t.Errorf("credential %+v", c)
		}
		byKind[c.Kind] = append(byKind[c.Kind], c)
	}
	if len(byKind["user"]) != 2 || len(byKind["password"]) != 2 || len(byKind["api-key"]) != 1 {
		t.Fatalf("credentials %+v", byKind)
	}
	e := &tenv{t: t, srv: srv, api: api, hc: srv.Client()}
	key := byKind["api-key"][0].Value
	wantOK(t, e.req("GET", "/api/1.0/profile", map[string]string{"Authorization": "Bearer " + key}, nil), 200)
	var mfaNote bool
	for _, c := range byKind["user"] {
		mfaNote = mfaNote || strings.Contains(c.Note, "two-factor")
	}
	if !mfaNote {
		t.Error("the MFA user is not marked as such")
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []quatrix.Config{
		{Users: []quatrix.User{{Email: "a@x", Password: ""}}},
		{Users: []quatrix.User{{Email: "a@x", Password: "p"}, {Email: "a@x", Password: "q"}}},
		{Users: []quatrix.User{{Email: "a/b", Password: "p"}}},
		{Users: []quatrix.User{{Email: "a@x", Password: "p"}}, APIKeys: []quatrix.APIKey{{Key: "k", Email: "b@x"}}},
	} {
		if _, err := quatrix.New(cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

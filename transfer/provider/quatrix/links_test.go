package quatrix_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix"
)

// A target with public links gets, for each upload, an address anyone can
// download the file from (no credentials); without, no link.
func TestPublicLink(t *testing.T) {
	e := newEnv(t, envOpts{realModel: true})
	ctx := ctxT(t)
	data := randomBytes(t, 2500)
	plain := e.provider(t, "apikey")
	res, err := upload(ctx, plain, plan([]string{"l"}, "a.bin", data, 1000, provider.ConflictRename), data)
	if err != nil || res.Link != "" {
		t.Fatalf("links off: %+v %v", res, err)
	}
	p := e.provider(t, "apikey", func(c *quatrix.Config) { c.PublicLinks, c.LinkExpiry = true, 24*time.Hour })
	res, err = upload(ctx, p, plan([]string{"l"}, "b.bin", data, 1000, provider.ConflictRename), data)
	if err != nil || res.Link == "" {
		t.Fatalf("links on: %+v %v", res, err)
	}
	resp, err := http.Get(res.Link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Fatalf("GET %s without credentials: %s, %d bytes", res.Link, resp.Status, len(got))
	}
}

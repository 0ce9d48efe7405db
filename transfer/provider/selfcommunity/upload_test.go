package selfcommunity

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	scsandbox "github.com/ferry-sync/ferry/transfer/sandbox/selfcommunity"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// Both dialects end to end: the stored file and the one behind file_url
// are byte-identical, the server accepted the whole-file MD5, the requests
// match the golden transcript, and the message carries the relative path.
func TestEndToEndDialects(t *testing.T) {
	for _, d := range []api.Dialect{api.Plain, api.QQ} {
		t.Run(string(d), func(t *testing.T) {
			s := startSandbox(t, scsandbox.Options{Dialect: scsandbox.Dialect(d)}, nil)
			rec := newRecorder(t, s.srv.BaseURL())
			p := newProvider(t, rec.url, func(c *Config) { c.Dialect = d; c.Recipients = []int64{12} })
			data := randomData(2*MinChunkSize+1234, 1)
			res := uploadWhole(t, p, "report.pdf", data)
			if res.RemoteName != "report.pdf" || res.Size != int64(len(data)) || res.RemoteID == "" || res.Link == "" {
				t.Fatalf("result %+v", res)
			}
			if got := s.fetch(t, res.Link); !bytes.Equal(got, data) {
				t.Fatal("file_url serves different bytes")
			}
			files := s.files()
			sum := sha256.Sum256(data)
			if len(files) != 1 || files[0].Path != "/"+res.RemoteID+"/report.pdf" || files[0].SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("stored %+v", files)
			}
			md := md5.Sum(data)
			if files[0].Meta["md5"] != hex.EncodeToString(md[:]) {
				t.Fatalf("server md5 %s", files[0].Meta["md5"])
			}
			s.checkMessages(t, res.RemoteID, "docs/2026/report.pdf")
			if ms := s.api.Messages(); ms[0].Recipients[0] != 12 || ms[1].Recipients[0] != 12 {
				t.Fatalf("messages %+v", ms)
			}
			tr := uuidRE.ReplaceAllString(rec.transcript(), "<uuid>")
			if !strings.Contains(tr, "md5="+hex.EncodeToString(md[:])) {
				t.Fatalf("done call carried no md5:\n%s", tr)
			}
			// A one-part file: the plain upload, done, thumbnail, messages.
			small := randomData(700, 3)
			if res := uploadWhole(t, p, "notes.txt", small); !bytes.Equal(s.fetch(t, res.Link), small) {
				t.Fatal("file_url serves different bytes")
			}
			tr = uuidRE.ReplaceAllString(rec.transcript(), "<uuid>")
			golden(t, filepath.Join("testdata", "transcript-"+string(d)+".txt"), tr)
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("transcript differs from %s (run with -update after checking):\n%s", path, got)
	}
}

// Files of one part go through the chunk route (part 0 of 1) and done,
// not as the official client's plain upload (see the package comment); an
// empty file too.
func TestSinglePart(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	p := newProvider(t, s.srv.BaseURL(), nil)
	for _, n := range []int{0, 1, MinChunkSize} {
		data := randomData(n, 2)
		u := plan("one.bin", int64(n), MinChunkSize)
		ctx := ctxT(t)
		sess, err := p.Begin(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		res, err := runUpload(ctx, sess, u, data, 0)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if got := s.fetch(t, res.Link); !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: stored content differs", n)
		}
	}
	if got := s.uploadRequests(true); got != 3 {
		t.Fatalf("%d done calls, want 3", got)
	}
}

// A repeated PutChunk of an acknowledged part sends nothing and does not
// hash again; failed attempts (injected 503s and resets mid-body) do not
// either: the server's MD5 check at done proves the hash is exact.
func TestRepeatAndRetriesDoNotDoubleHash(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	p := newProvider(t, s.srv.BaseURL(), nil)
	data := randomData(3*MinChunkSize+77, 3)
	u := plan("r.bin", int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	sess, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		c := u.Chunk(i)
		for range 2 {
			if err := sess.PutChunk(ctx, c, body(data, c)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := s.uploadRequests(false); n != 2 {
		t.Fatalf("%d part requests for 2 parts sent twice each, want 2", n)
	}
	if _, err := runUpload(ctx, sess, u, data, 2); err != nil {
		t.Fatal(err)
	}

	t.Run("faults", func(t *testing.T) {
		f := startSandbox(t, scsandbox.Options{}, func(c *sandbox.Config) {
			c.Faults.Status = map[int]float64{503: 0.25}
			c.Faults.Reset = 0.2
			c.Seed = 42
		})
		data := randomData(6*MinChunkSize+5, 4)
		res := uploadWhole(t, newProvider(t, f.srv.BaseURL(), nil), "f.bin", data)
		if got := f.fetch(t, res.Link); !bytes.Equal(got, data) {
			t.Fatal("stored content differs")
		}
		faults := 0
		for _, l := range f.srv.Log() {
			if l.Fault != "" {
				faults++
			}
		}
		if faults == 0 {
			t.Fatal("no fault was injected; the test proves nothing")
		}
	})
}

// Parts out of order are refused by the client before any request.
func TestOutOfOrderAndPlanMismatch(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	p := newProvider(t, s.srv.BaseURL(), nil)
	data := randomData(3*MinChunkSize, 5)
	u := plan("o.bin", int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	sess, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	c := u.Chunk(1)
	if err := sess.PutChunk(ctx, c, body(data, c)); !errors.Is(err, provider.ErrPermanent) {
		t.Fatalf("part 1 before part 0: %v", err)
	}
	bad := u.Chunk(0)
	bad.Size--
	if err := sess.PutChunk(ctx, bad, body(data, bad)); !errors.Is(err, provider.ErrPermanent) {
		t.Fatalf("chunk off the plan: %v", err)
	}
	if _, err := sess.Finish(ctx); !errors.Is(err, provider.ErrPermanent) {
		t.Fatalf("finish before the parts: %v", err)
	}
	// A body that ends early (the file shrank) fails without hashing.
	c0 := u.Chunk(0)
	if err := sess.PutChunk(ctx, c0, bytes.NewReader(data[:100])); !errors.Is(err, provider.ErrPermanent) {
		t.Fatalf("short body: %v", err)
	}
	if n := s.uploadRequests(false); n != 0 {
		t.Fatalf("%d parts accepted", n)
	}
	if _, err := runUpload(ctx, sess, u, data, 0); err != nil {
		t.Fatalf("the session is still usable: %v", err)
	}
}

// The result names the file as the server stored it (from file_url).
func TestStoredName(t *testing.T) {
	cases := map[string][2]string{
		"https://h/media/pm/u/report.pdf":           {"report.pdf", "report.pdf"},
		"https://h/media/pm/u/report_Ab3dE9x.pdf":   {"report.pdf", "report_Ab3dE9x.pdf"},
		"https://h/media/pm/u/a%20b%C3%A9.txt?sig=": {"x", "a bé.txt"},
		"":           {"sent.bin", "sent.bin"},
		"https://h/": {"sent.bin", "sent.bin"},
		"::":         {"sent.bin", "sent.bin"},
	}
	for link, c := range cases {
		if got := storedName(link, c[0]); got != c[1] {
			t.Errorf("storedName(%q, %q) = %q, want %q", link, c[0], got, c[1])
		}
	}
}

// Over TLS with a self-signed certificate the pinned fingerprint is
// trusted and any other pin is refused permanently.
func TestTLSPinned(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, func(c *sandbox.Config) { c.TLS = true })
	data := randomData(MinChunkSize+10, 16)
	u := plan("tls.bin", int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	p := newProvider(t, s.srv.BaseURL(), func(c *Config) { c.PinSHA256 = s.srv.CertFingerprint() })
	sess, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runUpload(ctx, sess, u, data, 0); err != nil {
		t.Fatal(err)
	}
	wrong := newProvider(t, s.srv.BaseURL(), func(c *Config) { c.PinSHA256 = strings.Repeat("ab", 32) })
	if err := wrong.Check(ctx); !errors.Is(err, provider.ErrPermanent) {
		t.Fatalf("wrong pin: %v, want ErrPermanent", err)
	}
}

// With NoMD5 the done call carries no md5 field (the server checks size
// and part count only) and the upload still lands byte for byte.
func TestNoMD5LeavesTheChecksumOut(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	rec := newRecorder(t, s.srv.BaseURL())
	p := newProvider(t, rec.url, func(c *Config) { c.NoMD5 = true })
	data := randomData(2*MinChunkSize+77, 5)
	res := uploadWhole(t, p, "plain.bin", data)
	if got := s.fetch(t, res.Link); !bytes.Equal(got, data) {
		t.Fatal("file_url serves different bytes")
	}
	tr := rec.transcript()
	if strings.Contains(tr, "md5") || !strings.Contains(tr, "totalfilesize="+strconv.Itoa(len(data))) {
		t.Fatalf("done call with NoMD5:\n%s", tr)
	}
}

// done makes the parts a file: before it, the session asks the engine
// (provider.Unchanged) whether the local file is still the version the
// parts were read from. When it is not, no done is sent, nothing becomes
// visible, and the engine's error comes back as is; when it is, done goes.
func TestDoneWaitsForTheEnginesUnchanged(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	p := newProvider(t, s.srv.BaseURL(), nil)
	for _, parts := range []int64{1, 3} {
		data := randomData(int(parts*MinChunkSize), 7)
		u := plan("kept.bin", int64(len(data)), MinChunkSize)
		sess, err := p.Begin(ctxT(t), u)
		if err != nil {
			t.Fatal(err)
		}
		changed := errors.New("the file changed during the upload")
		asked := 0
		ctx := provider.WithUnchanged(ctxT(t), func() error { asked++; return changed })
		var last error
		for i := range u.Chunks() {
			c := u.Chunk(i)
			if last = sess.PutChunk(ctx, c, body(data, c)); last != nil {
				break
			}
		}
		if !errors.Is(last, changed) || asked != 1 {
			t.Fatalf("%d parts: last part returned %v after %d checks, want the engine's error after 1", parts, last, asked)
		}
		if n := s.uploadRequests(true); n != 0 {
			t.Fatalf("%d parts: %d done calls sent for a file that changed", parts, n)
		}
		if fs := s.files(); len(fs) != 0 {
			t.Fatalf("%d parts: %d files visible", parts, len(fs))
		}
	}
	// Unchanged: done goes, once.
	data := randomData(MinChunkSize, 8)
	u := plan("fine.bin", int64(len(data)), MinChunkSize)
	sess, err := p.Begin(ctxT(t), u)
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	ctx := provider.WithUnchanged(ctxT(t), func() error { asked++; return nil })
	if _, err := runUpload(ctx, sess, u, data, 0); err != nil || asked != 1 {
		t.Fatalf("unchanged file: %v after %d checks", err, asked)
	}
	if n := s.uploadRequests(true); n != 1 {
		t.Fatalf("%d done calls, want 1", n)
	}
}

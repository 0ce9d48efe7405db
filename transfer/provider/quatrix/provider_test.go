package quatrix_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/providertest"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	qsandbox "github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
)

// TestParallelUploadsCreateFolderOnce starts 50 uploads into the same new
// two-level folder at once: each level is created exactly once and every
// file lands in it.
func TestParallelUploadsCreateFolderOnce(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	dir := []string{"new", "deep"}
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Go(func() {
			data := []byte(fmt.Sprintf("file %d", i))
			_, errs[i] = upload(ctx, p, plan(dir, fmt.Sprintf("f%02d.txt", i), data, quatrix.MinChunkSize, provider.ConflictRename), data)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := e.api.Counts().MakeDirs; got != 2 {
		t.Errorf("makedir called %d times, want 2 (one per level)", got)
	}
	var folders, files int
	for _, en := range e.under(home("new")) {
		switch en.Kind {
		case sandbox.KindFolder:
			folders++
		case sandbox.KindFile:
			files++
		default:
			t.Errorf("leftover %s of kind %s", en.Path, en.Kind)
		}
	}
	if folders != 2 || files != 50 {
		t.Errorf("tree holds %d folders and %d files below /new, want 2 and 50", folders, files)
	}
	// Resolved now: the engine is told uploads into it need not wait
	// (provider.FolderMaker), and which folder an upload elsewhere would.
	providertest.CheckFolderToMake(t, p,
		providertest.FolderCase{Dir: dir}, providertest.FolderCase{Dir: dir[:1]}, providertest.FolderCase{},
		providertest.FolderCase{Dir: append(dir, "deeper"), Want: "new/deep/deeper"},
		providertest.FolderCase{Dir: []string{"other", "x"}, Want: "other"})
}

// TestMakedirRaceLostReQueries makes another client win the race: a proxy
// creates the folder on the server just before forwarding the client's
// makedir, which therefore answers code 30; the client re-queries and
// uses the existing folder instead of failing or making "race(1)".
func TestMakedirRaceLostReQueries(t *testing.T) {
	e := newEnv(t, envOpts{})
	target, err := url.Parse(e.srv.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var statuses []int
	rp.ModifyResponse = func(r *http.Response) error {
		if r.Request.URL.Path == "/api/1.0/file/makedir" {
			mu.Lock()
			statuses = append(statuses, r.StatusCode)
			mu.Unlock()
		}
		return nil
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/1.0/file/makedir" {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				t.Error(err)
			}
			var req struct{ Target, Name string }
			if err := json.Unmarshal(body, &req); err != nil {
				t.Error(err)
			}
			if _, _, err := e.srv.Store().EnsureFolder(qsandbox.Name, req.Target, req.Name); err != nil {
				t.Error(err)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	p := e.provider(t, "apikey", func(c *quatrix.Config) { c.BaseURL = proxy.URL })
	data := []byte("x")
	if _, err := upload(ctxT(t), p, plan([]string{"race"}, "r", data, quatrix.MinChunkSize, provider.ConflictRename), data); err != nil {
		t.Fatalf("upload after a lost makedir race: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(statuses) != 1 || statuses[0] != http.StatusBadRequest {
		t.Errorf("makedir answered %v, want one 400 (code 30)", statuses)
	}
	if _, ok := e.entry(home("race/r")); !ok {
		t.Error("file not stored in the folder the other client created")
	}
	if _, ok := e.entry(home("race(1)")); ok {
		t.Error("a race(1) folder was made")
	}
}

// TestInvalidNamesArePermanent: names the server refuses (code 10) are
// permanent failures, for the file and for a folder level.
func TestInvalidNamesArePermanent(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	data := []byte("x")
	for _, u := range []provider.Upload{
		plan(nil, "trailing ", data, quatrix.MinChunkSize, provider.ConflictRename),
		plan([]string{"bad\\dir"}, "f", data, quatrix.MinChunkSize, provider.ConflictRename),
	} {
		if _, err := upload(ctx, p, u, data); !errors.Is(err, provider.ErrPermanent) {
			t.Errorf("upload %q/%q: %v, want a permanent error", u.Dir, u.Name, err)
		}
	}
}

// TestSessionExpiryMidUpload forces every session to expire between
// chunks and before finalize: the client logs in again and finishes.
func TestSessionExpiryMidUpload(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "session")
	ctx := ctxT(t)
	data := randomBytes(t, 3*quatrix.MinChunkSize+17)
	u := plan([]string{"exp"}, "a.bin", data, quatrix.MinChunkSize, provider.ConflictRename)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for i := range u.Chunks() {
		e.api.ExpireSessions()
		if err := putChunk(ctx, s, u, data, i); err != nil {
			t.Fatalf("chunk %d after a forced expiry: %v", i, err)
		}
	}
	e.api.ExpireSessions()
	res, err := s.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != u.Size || res.RemotePath != "exp/a.bin" {
		t.Errorf("result %+v", res)
	}
	en, ok := e.entry(home("exp/a.bin"))
	if !ok || en.SHA256 != sha(data) || !en.MTime.Equal(u.ModTime.Truncate(time.Microsecond)) {
		t.Errorf("stored %+v (found %v), want sha %s mtime %v", en, ok, sha(data), u.ModTime.Truncate(time.Microsecond))
	}
	if got := e.api.Counts().Logins; got != u.Chunks()+2 {
		t.Errorf("%d logins, want %d (the first and one per forced expiry)", got, u.Chunks()+2)
	}
}

// TestReloginRefusedIsAuthError: when even a fresh session is refused
// (here the sandbox clock moves past the idle expiry on every reading),
// the client re-logs in once per call and then reports ErrAuth.
func TestReloginRefusedIsAuthError(t *testing.T) {
	e := newEnv(t, envOpts{cfg: qsandbox.Config{SessionIdle: time.Nanosecond}})
	p := e.provider(t, "session")
	e.clock.SetStep(time.Second) // every session is idle at its first use
	err := p.Check(ctxT(t))
	if !errors.Is(err, provider.ErrAuth) || !strings.Contains(err.Error(), "fresh session") {
		t.Fatalf("check: %v, want ErrAuth about the fresh session", err)
	}
	if got := e.api.Counts().Logins; got != 2 {
		t.Errorf("%d logins, want 2 (the first and one re-login)", got)
	}
}

// TestKeepAliveWhileUploading: with an upload open and no API calls, the
// client pings /session/keepalive, so a session idle on the server for
// longer than 15 minutes in total still finalizes without a new login.
func TestKeepAliveWhileUploading(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "session", func(c *quatrix.Config) { c.KeepAlive = 20 * time.Millisecond })
	ctx := ctxT(t)
	data := randomBytes(t, 3*quatrix.MinChunkSize)
	u := plan(nil, "ka.bin", data, quatrix.MinChunkSize, provider.ConflictRename)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	// Three chunks, 10 sandbox minutes apart: the key lives on its sliding
	// TTL, the session (30 minutes after its last API call) only through
	// keepalives, since chunk POSTs do not count as API activity.
	for i := range u.Chunks() {
		before := e.api.Counts().KeepAlives
		e.clock.Advance(10 * time.Minute)
		deadline := time.Now().Add(10 * time.Second)
		for e.api.Counts().KeepAlives == before {
			if time.Now().After(deadline) {
				t.Fatalf("chunk %d: no keepalive within 10s", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := putChunk(ctx, s, u, data, i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.api.Counts().Logins; got != 1 {
		t.Errorf("%d logins, want 1: keepalive should have kept the session", got)
	}
}

func TestMFAAccountRefused(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "session", func(c *quatrix.Config) { c.Email = mfaEmail })
	err := p.Check(ctxT(t))
	if !errors.Is(err, provider.ErrAuth) || !strings.Contains(err.Error(), "two-factor authentication; create an API key in Quatrix and use --auth apikey") {
		t.Fatalf("check of an MFA account: %v", err)
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t, envOpts{})
	for _, mode := range []string{"apikey", "session"} {
		if err := e.provider(t, mode).Check(ctxT(t)); err != nil {
			t.Errorf("%s: %v", mode, err)
		}
	}
	// Check always asks the server, even with the profile cached.
	p := e.provider(t, "apikey")
	for range 2 {
		if err := p.Check(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	profiles := 0
	for _, l := range e.srv.Log() {
		if l.Path == "/api/1.0/profile" {
			profiles++
		}
	}
	if profiles != 4 {
		t.Errorf("%d profile requests for 4 checks", profiles)
	}
	bad := e.provider(t, "apikey", func(c *quatrix.Config) { c.APIKey = "wrong" })
	if err := bad.Check(ctxT(t)); !errors.Is(err, provider.ErrAuth) || !strings.Contains(err.Error(), "API key was refused") {
		t.Errorf("bad key: %v", err)
	}
	badPw := e.provider(t, "session", func(c *quatrix.Config) { c.Password = "nope" })
	if err := badPw.Check(ctxT(t)); !errors.Is(err, provider.ErrAuth) || strings.Contains(err.Error(), "nope") {
		t.Errorf("bad password: %v", err)
	}
}

// TestPinMismatch: a wrong pin fails permanently before any credential is sent.
func TestPinMismatch(t *testing.T) {
	e := newEnv(t, envOpts{tls: true})
	p := e.provider(t, "session", func(c *quatrix.Config) { c.PinSHA256 = strings.Repeat("ab", 32) })
	err := p.Check(ctxT(t))
	if k, _ := provider.Classify(err); k != provider.ErrPermanent {
		t.Fatalf("check with a wrong pin: %v (%v), want permanent", err, k)
	}
	if got := e.api.Counts().Logins; got != 0 {
		t.Errorf("%d logins reached the server through a mismatched pin", got)
	}
}

// TestConflictPolicies checks what each policy does to an existing name.
func TestConflictPolicies(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	first := []byte("first version")
	u := plan([]string{"c"}, "doc.txt", first, quatrix.MinChunkSize, provider.ConflictRename)
	r1, err := upload(ctx, p, u, first)
	if err != nil {
		t.Fatal(err)
	}

	second := []byte("second, longer version")
	u2 := plan(u.Dir, u.Name, second, quatrix.MinChunkSize, provider.ConflictRename)
	r2, err := upload(ctx, p, u2, second)
	if err != nil || r2.RemoteName != "doc(1).txt" || r2.RemotePath != "c/doc(1).txt" {
		t.Fatalf("rename: %+v, %v; want doc(1).txt", r2, err)
	}

	u2.Conflict = provider.ConflictSkip
	if _, err := upload(ctx, p, u2, second); !errors.Is(err, provider.ErrConflict) {
		t.Fatalf("skip on an existing name: %v, want ErrConflict", err)
	}

	u2.Conflict = provider.ConflictOverwrite
	r3, err := upload(ctx, p, u2, second)
	if err != nil {
		t.Fatal(err)
	}
	if r3.RemoteID != r1.RemoteID || r3.RemoteName != "doc.txt" {
		t.Errorf("overwrite gave %+v; want the same file id %s and name", r3, r1.RemoteID)
	}
	if en, _ := e.entry(home("c/doc.txt")); en.SHA256 != sha(second) || en.ID != r1.RemoteID {
		t.Errorf("after overwrite: %+v", en)
	}

	fresh := plan(u.Dir, "new.txt", first, quatrix.MinChunkSize, provider.ConflictOverwrite)
	if _, err := upload(ctx, p, fresh, first); err != nil {
		t.Fatalf("overwrite of a missing name: %v", err)
	}
	fresh.Conflict = provider.ConflictSkip
	fresh.Name = "skip-new.txt"
	if _, err := upload(ctx, p, fresh, first); err != nil {
		t.Fatalf("skip of a missing name: %v", err)
	}

	// A folder with the file's name cannot be overwritten or skipped silently.
	if _, err := upload(ctx, p, plan(nil, "x", first, quatrix.MinChunkSize, provider.ConflictRename), first); err != nil {
		t.Fatal(err)
	}
	dirUp := plan([]string{"c"}, "sub", first, quatrix.MinChunkSize, provider.ConflictRename)
	if _, err := upload(ctx, p, plan([]string{"c", "sub"}, "in.txt", first, quatrix.MinChunkSize, provider.ConflictRename), first); err != nil {
		t.Fatal(err)
	}
	dirUp.Conflict = provider.ConflictOverwrite
	if _, err := upload(ctx, p, dirUp, first); !errors.Is(err, provider.ErrConflict) {
		t.Errorf("overwrite of a folder: %v, want ErrConflict", err)
	}
}

// TestFileInTheWayOfFolder: a file where a folder level should be is a conflict.
func TestFileInTheWayOfFolder(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "apikey")
	ctx := ctxT(t)
	data := []byte("x")
	if _, err := upload(ctx, p, plan(nil, "blocker", data, quatrix.MinChunkSize, provider.ConflictRename), data); err != nil {
		t.Fatal(err)
	}
	_, err := upload(ctx, p, plan([]string{"blocker", "sub"}, "f", data, quatrix.MinChunkSize, provider.ConflictRename), data)
	if !errors.Is(err, provider.ErrConflict) {
		t.Fatalf("upload below a file: %v, want ErrConflict", err)
	}
}

// TestCloseLogsOut: Close stops the keepalive loop and ends the session.
func TestCloseLogsOut(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "session", func(c *quatrix.Config) { c.KeepAlive = time.Millisecond })
	ctx := ctxT(t)
	s, err := p.Begin(ctx, plan(nil, "c.bin", []byte("x"), quatrix.MinChunkSize, provider.ConflictRename))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(ctx); err != nil { // logs in again: Close left no session behind
		t.Fatal(err)
	}
	var logout int
	for _, l := range e.srv.Log() {
		if l.Path == "/api/1.0/session/logout" && l.Status == 200 {
			logout++
		}
	}
	if logout != 1 || e.api.Counts().Logins != 2 {
		t.Errorf("%d logouts and %d logins, want 1 and 2", logout, e.api.Counts().Logins)
	}
}

// overlapReader is a chunk body that records whether two goroutines ever
// read it at once.
type overlapReader struct {
	r       *bytes.Reader
	reading atomic.Int32
	overlap atomic.Bool
}

func (o *overlapReader) Read(p []byte) (int, error) {
	if o.reading.Add(1) > 1 {
		o.overlap.Store(true)
	}
	defer o.reading.Add(-1)
	time.Sleep(50 * time.Microsecond) // a disk read takes a moment too
	return o.r.Read(p[:min(len(p), 32<<10)])
}

func (o *overlapReader) Seek(off int64, whence int) (int64, error) { return o.r.Seek(off, whence) }

// TestReplayNeverSharesTheBody: the server refuses an expired session
// before it reads the chunk, while net/http may still be sending it; the
// replay after the re-login rewinds the same body, so the first request's
// body must be cut off first, or two requests read (and count) the same
// bytes at once.
func TestReplayNeverSharesTheBody(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.provider(t, "session")
	ctx := ctxT(t)
	const chunk = 8 << 20
	data := randomBytes(t, 3*chunk)
	u := plan([]string{"replay"}, "big.bin", data, chunk, provider.ConflictRename)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	for i := range u.Chunks() {
		e.api.ExpireSessions()
		c := u.Chunk(i)
		body := &overlapReader{r: bytes.NewReader(data[c.Offset : c.Offset+c.Size])}
		if err := s.PutChunk(ctx, c, body); err != nil {
			t.Fatalf("chunk %d after a forced expiry: %v", i, err)
		}
		if body.overlap.Load() {
			t.Fatalf("chunk %d: the replay read the body while the refused request still did", i)
		}
	}
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	en, ok := e.entry(home("replay/big.bin"))
	if !ok || en.SHA256 != sha(data) {
		t.Errorf("stored %+v (found %v), want sha %s", en, ok, sha(data))
	}
}

// TestKeepAliveDuringBusyUpload (docs/protocols/review-2026-12-06.md, risk #9): chunk POSTs
// arriving faster than the keepalive period must not stand in for API
// activity, since whether they refresh the server's session is unknown.
// While an upload is open and no API call happened for a period, the
// client pings however busy the chunk traffic is, as the official SDKs do.
func TestKeepAliveDuringBusyUpload(t *testing.T) {
	e := newEnv(t, envOpts{})
	const period = 150 * time.Millisecond
	p := e.provider(t, "session", func(c *quatrix.Config) { c.KeepAlive = period })
	ctx := ctxT(t)
	const n = 24
	data := randomBytes(t, n*quatrix.MinChunkSize)
	u := plan(nil, "busy.bin", data, quatrix.MinChunkSize, provider.ConflictRename)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	before := e.api.Counts().KeepAlives
	start := time.Now()
	// One chunk every period/6: the session is never idle for a period
	// if chunk POSTs counted, and the upload lasts about 4 periods.
	for i := range u.Chunks() {
		if err := putChunk(ctx, s, u, data, i); err != nil {
			t.Fatal(err)
		}
		time.Sleep(period / 6)
	}
	elapsed := time.Since(start)
	got := e.api.Counts().KeepAlives - before
	if _, err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	// The sleeps alone make elapsed at least 4 periods.
	if got == 0 {
		t.Errorf("no keepalive in %v of chunk traffic with a %v keepalive period", elapsed, period)
	}
}

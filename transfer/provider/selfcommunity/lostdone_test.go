package selfcommunity

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
	scsandbox "github.com/ferry-sync/ferry/transfer/sandbox/selfcommunity"
)

// dropProxy forwards every request to the sandbox (target; a test may
// switch it to play a restarted server). While armed, a done
// call is passed through, and then the client's connection is closed
// before any answer: the server finalized, the client never learns it,
// as when the process is killed at that moment. rewrite, when set, edits
// every answer body (to play a server with other error codes).
type dropProxy struct {
	url     string
	target  atomic.Value // string: the server requests go to
	armed   atomic.Bool
	block   atomic.Bool // done calls are cut before they reach the server
	dropped atomic.Int32
	rewrite func([]byte) []byte
}

func newDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	d := &dropProxy{}
	d.target.Store(target)
	d.url = newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery == api.DoneQuery && d.block.Load() {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			conn.Close()
			return
		}
		out, err := http.NewRequestWithContext(r.Context(), r.Method, d.target.Load().(string)+r.URL.RequestURI(), r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		out.ContentLength = r.ContentLength
		resp, err := http.DefaultClient.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if r.URL.RawQuery == api.DoneQuery && d.armed.Load() {
			d.dropped.Add(1)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			conn.Close()
			return
		}
		if d.rewrite != nil {
			body = d.rewrite(body)
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	}))
	return d
}

// sendParts sends parts [0, n) through sess and returns the states an
// engine would persist: states[0] after Begin, states[i] after part i-1.
func sendParts(t *testing.T, sess provider.Session, u provider.Upload, data []byte, n int) [][]byte {
	t.Helper()
	ctx := ctxT(t)
	states := [][]byte{bytes.Clone(sess.State())}
	for i := range n {
		c := u.Chunk(i)
		if err := retry(func() error { return sess.PutChunk(ctx, c, body(data, c)) }); err != nil {
			t.Fatal(err)
		}
		states = append(states, bytes.Clone(sess.State()))
	}
	return states
}

// oneFile checks that the sandbox holds exactly one file, with data, under
// uuid.
func (s *sb) oneFile(t *testing.T, uuid, name string, data []byte) {
	t.Helper()
	files := s.files()
	sum := sha256.Sum256(data)
	if len(files) != 1 || files[0].Path != "/"+uuid+"/"+name || files[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("stored %+v, want one file /%s/%s", files, uuid, name)
	}
}

// killedAfterDone runs a first process through every part, the last one
// carrying the done call whose answer is lost, as if the process was killed
// right after the server finalized. It returns the states its engine
// persisted (after Begin and each part but the last), then the state the
// session held (every part acknowledged, done unknown), and the uuid.
func killedAfterDone(t *testing.T, s *sb, u provider.Upload, data []byte, mod func(*Config)) ([][]byte, string) {
	t.Helper()
	proxy := newDropProxy(t, s.srv.BaseURL())
	proxy.armed.Store(true)
	ctx := ctxT(t)
	sess, err := newProvider(t, proxy.url, mod).Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	states := sendParts(t, sess, u, data, u.Chunks()-1)
	c := u.Chunk(u.Chunks() - 1)
	if err := sess.PutChunk(ctx, c, body(data, c)); !provider.IsRetryable(err) {
		t.Fatalf("last part with done's answer dropped: %v, want a retryable error", err)
	}
	if proxy.dropped.Load() != 1 {
		t.Fatalf("%d done answers dropped, want 1", proxy.dropped.Load())
	}
	states = append(states, bytes.Clone(sess.State()))
	st, err := decodeState(states[len(states)-1], u)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.files()) != 1 {
		t.Fatalf("the dropped done did not finalize: %+v", s.files())
	}
	return states, st.UUID
}

// A done that reached the server but whose answer was lost, then a
// restart: the resumed session finishes the same upload and no second
// file appears. Two resume points: what the engine persists (the state
// after the part before the last, so the last part is sent again and
// refused as finalized), and the state after every part, done unknown;
// the latter for a one-part file too. The messages go out once, from the
// resumed session: the killed one never got to them. Both field dialects
// name the uuid field differently.
func TestResumeAfterLostDone(t *testing.T) {
	cases := []struct {
		name    string
		dialect api.Dialect
		size    int
		resume  func(u provider.Upload) int // index into the persisted states
	}{
		{"before_last_part", api.Plain, 3*MinChunkSize + 11, func(u provider.Upload) int { return u.Chunks() - 1 }},
		{"before_last_part_qq", api.QQ, 2*MinChunkSize + 1, func(u provider.Upload) int { return u.Chunks() - 1 }},
		{"all_parts", api.Plain, 2*MinChunkSize + 5, func(u provider.Upload) int { return u.Chunks() }},
		{"one_part", api.Plain, 1000, func(u provider.Upload) int { return u.Chunks() }},
		{"one_part_qq", api.QQ, MinChunkSize, func(u provider.Upload) int { return u.Chunks() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSandbox(t, scsandbox.Options{Dialect: scsandbox.Dialect(tc.dialect)}, nil)
			mod := func(c *Config) { c.Dialect = tc.dialect; c.Recipients = []int64{12} }
			data := randomData(tc.size, 21)
			u := plan("lost.bin", int64(len(data)), MinChunkSize)
			states, uuid := killedAfterDone(t, s, u, data, mod)
			from := tc.resume(u)
			ctx := ctxT(t)
			sess, err := newProvider(t, s.srv.BaseURL(), mod).Resume(ctx, u, states[from])
			if err != nil {
				t.Fatal(err)
			}
			res, err := runUpload(ctx, sess, u, data, from)
			if err != nil {
				t.Fatalf("resumed upload: %v", err)
			}
			if res.RemoteID != uuid || res.RemoteName != "lost.bin" || res.Link != "" || res.Size != u.Size {
				t.Fatalf("result %+v, want the first upload's uuid %s without a link", res, uuid)
			}
			s.oneFile(t, uuid, "lost.bin", data)
			s.checkMessages(t, uuid, "docs/2026/lost.bin")
		})
	}
}

// The same lost answer inside one process: the engine repeats the last
// part, done is refused as finalized, and that is success; Finish sends
// the messages once.
func TestFinishRetryAfterLostDone(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	proxy := newDropProxy(t, s.srv.BaseURL())
	p := newProvider(t, proxy.url, func(c *Config) { c.Group = 21 })
	data := randomData(MinChunkSize+3, 22)
	u := plan("retry.bin", int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	sess, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	sendParts(t, sess, u, data, u.Chunks()-1)
	proxy.armed.Store(true)
	c := u.Chunk(u.Chunks() - 1)
	if err := sess.PutChunk(ctx, c, body(data, c)); !provider.IsRetryable(err) {
		t.Fatalf("last part with done's answer dropped: %v, want a retryable error", err)
	}
	proxy.armed.Store(false)
	if err := sess.PutChunk(ctx, c, body(data, c)); err != nil {
		t.Fatalf("last part again: %v", err)
	}
	res, err := sess.Finish(ctx)
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	s.oneFile(t, res.RemoteID, "retry.bin", data)
	s.checkMessages(t, res.RemoteID, "docs/2026/retry.bin")
	// A second Finish sends nothing more.
	before := len(s.srv.Log())
	if _, err := sess.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if after := len(s.srv.Log()); after != before {
		t.Fatalf("a finished session sent %d more requests", after-before)
	}
}

// A server whose answer for a finalized uuid is not recognised (here the
// sandbox's code rewritten to the unknown-uuid one) gets the conservative
// reading: ErrSessionGone, so the engine uploads the file again. That may
// leave a second copy; it never loses the file. Since a done may have
// reached the server in each case, the error also carries
// ErrMaybeStored, so the engine warns that the file may be stored twice:
// resumed before the last part, resumed after every part, and within one
// session whose first done lost its answer.
func TestUnrecognisedFinalizedAnswerRestarts(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	data := randomData(2*MinChunkSize+7, 23)
	u := plan("other.bin", int64(len(data)), MinChunkSize)
	states, _ := killedAfterDone(t, s, u, data, nil)
	proxy := newDropProxy(t, s.srv.BaseURL())
	proxy.rewrite = func(b []byte) []byte {
		return bytes.ReplaceAll(b, []byte(`"already_done"`), []byte(`"invalid"`))
	}
	ctx := ctxT(t)
	p := newProvider(t, proxy.url, nil)
	wantMaybe := func(t *testing.T, what string, err error) {
		t.Helper()
		var pe *provider.Error
		if !errors.Is(err, provider.ErrSessionGone) || !errors.Is(err, provider.ErrMaybeStored) ||
			!errors.As(err, &pe) || !strings.Contains(pe.Message, "finalized") {
			t.Fatalf("%s: %v, want ErrSessionGone and ErrMaybeStored quoting the server", what, err)
		}
	}
	for _, from := range []int{u.Chunks() - 1, u.Chunks()} {
		sess, err := p.Resume(ctx, u, states[from])
		if err != nil {
			t.Fatal(err)
		}
		_, err = runUpload(ctx, sess, u, data, from)
		wantMaybe(t, fmt.Sprintf("resume from state %d", from), err)
	}

	in := plan("in.bin", int64(len(data)), MinChunkSize)
	sess, err := p.Begin(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	sendParts(t, sess, in, data, in.Chunks()-1)
	proxy.armed.Store(true)
	c := in.Chunk(in.Chunks() - 1)
	if err := sess.PutChunk(ctx, c, body(data, c)); !provider.IsRetryable(err) {
		t.Fatalf("last part with done's answer dropped: %v", err)
	}
	proxy.armed.Store(false)
	err = sess.PutChunk(ctx, c, body(data, c))
	wantMaybe(t, "last part again in the session", err)
	if n := len(s.files()); n != 2 {
		t.Fatalf("%d files, want the two finalized ones", n)
	}
}

// An unknown uuid where no done can have been sent (a session resumed
// further back, a session whose done was never attempted) is a plain
// ErrSessionGone: nothing may be stored, so there is nothing to warn of.
func TestUnknownUUIDWithoutDone(t *testing.T) {
	data := randomData(4*MinChunkSize, 25)
	u := plan("early.bin", int64(len(data)), MinChunkSize)
	a := startSandbox(t, scsandbox.Options{}, nil)
	states := partial(t, a.srv.BaseURL(), u, data, 4)
	b := startSandbox(t, scsandbox.Options{}, nil) // a restarted server: same users, no uploads
	ctx := ctxT(t)
	p := newProvider(t, b.srv.BaseURL(), nil)
	sess, err := p.Resume(ctx, u, states[1]) // part 0 acknowledged of 4
	if err != nil {
		t.Fatal(err)
	}
	c := u.Chunk(1)
	err = sess.PutChunk(ctx, c, body(data, c))
	if !errors.Is(err, provider.ErrSessionGone) || errors.Is(err, provider.ErrMaybeStored) {
		t.Fatalf("resumed early, unknown uuid: %v, want ErrSessionGone alone", err)
	}
	// Every part but the last acknowledged in this process, then the
	// server restarts before the last part and its done: refused at once,
	// nothing stored.
	proxy := newDropProxy(t, a.srv.BaseURL())
	sess, err = newProvider(t, proxy.url, nil).Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	sendParts(t, sess, u, data, u.Chunks()-1)
	proxy.target.Store(b.srv.BaseURL())
	last := u.Chunk(u.Chunks() - 1)
	if err := sess.PutChunk(ctx, last, body(data, last)); !errors.Is(err, provider.ErrSessionGone) || errors.Is(err, provider.ErrMaybeStored) {
		t.Fatalf("last part, unknown uuid: %v, want ErrSessionGone alone", err)
	}
}

// A one-part file goes through the chunk route: a process killed after
// its part and before done leaves nothing visible, and the restart stores
// exactly one file.
func TestOnePartKilledBeforeDone(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	rec := newRecorder(t, s.srv.BaseURL())
	proxy := newDropProxy(t, rec.url)
	proxy.block.Store(true)
	data := randomData(500, 24)
	u := plan("small.txt", int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	first, err := newProvider(t, proxy.url, nil).Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	begun := bytes.Clone(first.State())
	c := u.Chunk(0)
	if err := first.PutChunk(ctx, c, body(data, c)); !provider.IsRetryable(err) {
		t.Fatalf("one part with done cut off: %v, want a retryable error", err)
	}
	if files := s.files(); len(files) != 0 {
		t.Fatalf("a part without done is visible: %+v", files)
	}
	tr := rec.transcript()
	for _, want := range []string{"field partindex=0\n", "field totalparts=1\n", `part file filename="blob" (500 bytes)`, "Content-Range: bytes 0-499/500"} {
		if !strings.Contains(tr, want) {
			t.Fatalf("one-part request lacks %q:\n%s", want, tr)
		}
	}
	// The engine persisted only the state after Begin: the restart sends
	// the part again under a new uuid, and the first one never shows.
	sess, err := newProvider(t, s.srv.BaseURL(), nil).Resume(ctx, u, begun)
	if err != nil {
		t.Fatal(err)
	}
	res, err := runUpload(ctx, sess, u, data, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.oneFile(t, res.RemoteID, "small.txt", data)
	if got := s.fetch(t, res.Link); !bytes.Equal(got, data) {
		t.Fatal("file_url serves different bytes")
	}
}

// A one-part file whose done reached the server, then a kill before its
// answer: the restart resumes from what the engine persisted, which is the
// state the provider checkpointed before done (with the uuid), not the
// state after Begin. Found by the soak: before the checkpoint the restart
// sent part 0 again and the server held a second copy that nobody
// announced.
func TestOnePartKilledAfterDoneResumesFromCheckpoint(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	proxy := newDropProxy(t, s.srv.BaseURL())
	proxy.armed.Store(true)
	data := randomData(700, 25)
	u := plan("once.txt", int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	first, err := newProvider(t, proxy.url, nil).Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	persisted := bytes.Clone(first.State()) // the engine saves the state after Begin
	checkpoints := 0
	cctx := provider.WithCheckpoint(ctx, func() error {
		checkpoints++
		persisted = bytes.Clone(first.State())
		return nil
	})
	c := u.Chunk(0)
	if err := first.PutChunk(cctx, c, body(data, c)); !provider.IsRetryable(err) {
		t.Fatalf("one part with done's answer dropped: %v, want a retryable error", err)
	}
	if checkpoints != 1 || proxy.dropped.Load() != 1 || len(s.files()) != 1 {
		t.Fatalf("checkpoints %d, done answers dropped %d, files %+v: want 1, 1, one file", checkpoints, proxy.dropped.Load(), s.files())
	}
	st, err := decodeState(persisted, u)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := newProvider(t, s.srv.BaseURL(), nil).Resume(ctx, u, persisted)
	if err != nil {
		t.Fatal(err)
	}
	res, err := runUpload(ctx, sess, u, data, 0)
	if err != nil {
		t.Fatalf("resumed upload: %v", err)
	}
	if st.UUID == "" || res.RemoteID != st.UUID {
		t.Fatalf("resumed as %q, checkpointed uuid %q: want the first upload's uuid", res.RemoteID, st.UUID)
	}
	s.oneFile(t, st.UUID, "once.txt", data)
}

// A checkpoint the engine cannot write (a full disk) stops the part before
// done: nothing becomes visible that a restart could not recognise.
func TestOnePartCheckpointFailureStopsBeforeDone(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	data := randomData(300, 26)
	u := plan("full.txt", int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	sess, err := newProvider(t, s.srv.BaseURL(), nil).Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	diskFull := errors.New("no space left on device")
	cctx := provider.WithCheckpoint(ctx, func() error { return diskFull })
	c := u.Chunk(0)
	if err := sess.PutChunk(cctx, c, body(data, c)); !errors.Is(err, diskFull) {
		t.Fatalf("PutChunk with a failing checkpoint: %v, want the save's error", err)
	}
	if files := s.files(); len(files) != 0 || s.uploadRequests(true) != 0 {
		t.Fatalf("stored %+v, done requests %d: want nothing before the state is saved", files, s.uploadRequests(true))
	}
}

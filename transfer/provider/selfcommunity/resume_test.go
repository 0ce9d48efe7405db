package selfcommunity

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	scsandbox "github.com/ferry-sync/ferry/transfer/sandbox/selfcommunity"
)

// partial sends parts [0, n) through a fresh client and returns the state
// the engine persisted after each acknowledged part.
func partial(t *testing.T, base string, u provider.Upload, data []byte, n int) [][]byte {
	t.Helper()
	ctx := ctxT(t)
	sess, err := newProvider(t, base, nil).Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	states := [][]byte{bytes.Clone(sess.State())}
	for i := range n {
		c := u.Chunk(i)
		if err := sess.PutChunk(ctx, c, body(data, c)); err != nil {
			t.Fatal(err)
		}
		states = append(states, bytes.Clone(sess.State()))
	}
	return states
}

// After a crash, a new client resumes at the next part: only the missing
// parts are sent, and the MD5 state from State makes done succeed.
func TestResumeContinuesAtNextPart(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	data := randomData(5*MinChunkSize+9, 6)
	u := plan("resume.bin", int64(len(data)), MinChunkSize)
	states := partial(t, s.srv.BaseURL(), u, data, 3)
	if strings.Contains(string(states[3]), testUsers[0].Token) {
		t.Fatal("state contains the token")
	}
	p2 := newProvider(t, s.srv.BaseURL(), nil)
	ctx := ctxT(t)
	sess, err := p2.Resume(ctx, u, states[3])
	if err != nil {
		t.Fatal(err)
	}
	res, err := runUpload(ctx, sess, u, data, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.fetch(t, res.Link); !bytes.Equal(got, data) {
		t.Fatal("stored content differs")
	}
	if n := s.uploadRequests(false); n != u.Chunks() {
		t.Fatalf("%d part requests for %d parts: parts were sent twice", n, u.Chunks())
	}
	// Resuming before any part was acknowledged starts at part 0.
	sess0, err := p2.Resume(ctx, u, states[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runUpload(ctx, sess0, u, data, 0); err != nil {
		t.Fatal(err)
	}
}

// The server stored part 2 but the client crashed before persisting its
// acknowledgement. With parts strictly in series the re-sent part 2 is
// refused; the client reports ErrSessionGone and a fresh upload succeeds,
// leaving exactly one file. A server that acknowledges identical re-sends
// (switch off) lets the resumed upload simply go on.
func TestCrashBetweenServerWriteAndPersist(t *testing.T) {
	data := randomData(4*MinChunkSize+1, 7)
	u := plan("crash.bin", int64(len(data)), MinChunkSize)
	t.Run("strict_series", func(t *testing.T) {
		s := startSandbox(t, scsandbox.Options{}, nil)
		// The server has parts 0..3; the repeat of part 2, not the last
		// one received, is refused (the last one would be acknowledged
		// again: a lost answer's repeat).
		states := partial(t, s.srv.BaseURL(), u, data, 4)
		p2 := newProvider(t, s.srv.BaseURL(), nil)
		ctx := ctxT(t)
		sess, err := p2.Resume(ctx, u, states[2]) // persisted: parts 0..1
		if err != nil {
			t.Fatal(err)
		}
		c := u.Chunk(2)
		err = sess.PutChunk(ctx, c, body(data, c))
		if !errors.Is(err, provider.ErrSessionGone) {
			t.Fatalf("re-sent part 2: %v, want ErrSessionGone", err)
		}
		fresh, err := p2.Begin(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		res, err := runUpload(ctx, fresh, u, data, 0)
		if err != nil {
			t.Fatal(err)
		}
		if files := s.files(); len(files) != 1 || files[0].Path != "/"+res.RemoteID+"/crash.bin" {
			t.Fatalf("stored %+v", files)
		}
	})
	t.Run("repeat_accepted", func(t *testing.T) {
		s := startSandbox(t, scsandbox.Options{}, func(c *sandbox.Config) {
			c.Switches = map[string]bool{scsandbox.SwitchSeries: false}
		})
		states := partial(t, s.srv.BaseURL(), u, data, 3)
		ctx := ctxT(t)
		sess, err := newProvider(t, s.srv.BaseURL(), nil).Resume(ctx, u, states[2])
		if err != nil {
			t.Fatal(err)
		}
		res, err := runUpload(ctx, sess, u, data, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.fetch(t, res.Link); !bytes.Equal(got, data) {
			t.Fatal("stored content differs")
		}
	})
	// Within one session, a part whose answer was lost and which the
	// server refuses on the retry is the same case.
	t.Run("lost_answer_in_session", func(t *testing.T) {
		s := startSandbox(t, scsandbox.Options{}, nil)
		ctx := ctxT(t)
		p := newProvider(t, s.srv.BaseURL(), nil)
		sess, err := p.Begin(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		c0 := u.Chunk(0)
		if err := sess.PutChunk(ctx, c0, body(data, c0)); err != nil {
			t.Fatal(err)
		}
		// Deliver parts 1 and 2 behind the session's back, as if their
		// answers were lost.
		states := sess.State()
		side, err := p.Resume(ctx, u, states)
		if err != nil {
			t.Fatal(err)
		}
		c1 := u.Chunk(1)
		for _, c := range []provider.Chunk{c1, u.Chunk(2)} {
			if err := side.PutChunk(ctx, c, body(data, c)); err != nil {
				t.Fatal(err)
			}
		}
		// A first refusal of a part never tried before is a plain error...
		if err := sess.PutChunk(ctx, c1, body(data, c1)); !errors.Is(err, provider.ErrPermanent) {
			t.Fatalf("first refusal: %v, want ErrPermanent", err)
		}
		// ...the retry of an attempted part means the server may hold it.
		if err := sess.PutChunk(ctx, c1, body(data, c1)); !errors.Is(err, provider.ErrSessionGone) {
			t.Fatalf("refused retry: %v, want ErrSessionGone", err)
		}
	})
}

// A server that forgot the uuid (restarted, expired) answers the next part
// with a uuid error: ErrSessionGone.
func TestResumeAfterServerForgot(t *testing.T) {
	data := randomData(3*MinChunkSize, 8)
	u := plan("gone.bin", int64(len(data)), MinChunkSize)
	a := startSandbox(t, scsandbox.Options{}, nil)
	states := partial(t, a.srv.BaseURL(), u, data, 2)
	b := startSandbox(t, scsandbox.Options{}, nil) // a restarted server: same users, no uploads
	ctx := ctxT(t)
	sess, err := newProvider(t, b.srv.BaseURL(), nil).Resume(ctx, u, states[2])
	if err != nil {
		t.Fatal(err)
	}
	c := u.Chunk(2)
	if err := sess.PutChunk(ctx, c, body(data, c)); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("part after restart: %v, want ErrSessionGone", err)
	}
	// All parts acknowledged but done unknown: Finish says the same.
	states = partial(t, a.srv.BaseURL(), u, data, 3)
	sess, err = newProvider(t, b.srv.BaseURL(), nil).Resume(ctx, u, withoutDone(t, states[3], u))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Finish(ctx); !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("finish after restart: %v, want ErrSessionGone", err)
	}
}

// Saved state that does not fit the upload is refused with ErrSessionGone.
func TestResumeRejectsBadState(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	data := randomData(3*MinChunkSize, 9)
	u := plan("bad.bin", int64(len(data)), MinChunkSize)
	good := partial(t, s.srv.BaseURL(), u, data, 2)[2]
	p := newProvider(t, s.srv.BaseURL(), nil)
	other := u
	other.Size++
	cases := map[string]struct {
		u     provider.Upload
		state []byte
	}{
		"garbage":        {u, []byte("{")},
		"other_size":     {other, good},
		"old_version":    {u, bytes.Replace(good, []byte(`"v":2`), []byte(`"v":1`), 1)},
		"hashed_wrong":   {u, bytes.Replace(good, []byte(`"hashed":32768`), []byte(`"hashed":32767`), 1)},
		"acked_too_far":  {u, bytes.Replace(good, []byte(`"acked":1`), []byte(`"acked":7`), 1)},
		"no_uuid":        {u, regexpUUID(good)},
		"md5_state_junk": {u, bytes.Replace(good, []byte(`"md5":"`), []byte(`"md5":"AAAA`), 1)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if bytes.Equal(tc.state, good) && tc.u.Size == u.Size {
				t.Fatal("case does not change the state")
			}
			if _, err := p.Resume(ctxT(t), tc.u, tc.state); !errors.Is(err, provider.ErrSessionGone) {
				t.Fatalf("resume: %v, want ErrSessionGone", err)
			}
		})
	}
}

func regexpUUID(b []byte) []byte { return uuidRE.ReplaceAll(b, nil) }

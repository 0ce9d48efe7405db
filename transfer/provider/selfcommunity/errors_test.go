package selfcommunity

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	scsandbox "github.com/ferry-sync/ferry/transfer/sandbox/selfcommunity"
)

func TestCheck(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	if err := newProvider(t, s.srv.BaseURL(), nil).Check(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	bad := newProvider(t, s.srv.BaseURL(), func(c *Config) { c.Token = "wrong-token" })
	err := bad.Check(ctxT(t))
	if !errors.Is(err, provider.ErrAuth) {
		t.Fatalf("bad token: %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), "wrong-token") {
		t.Fatal("error shows the token")
	}
	wrongPath := newProvider(t, s.srv.BaseURL()+"/prefix", nil)
	if err := wrongPath.Check(ctxT(t)); !errors.Is(err, provider.ErrPermanent) {
		t.Fatalf("wrong base path: %v, want ErrPermanent", err)
	}
}

func TestErrorKinds(t *testing.T) {
	data := randomData(2*MinChunkSize+3, 10)
	u := plan("k.bin", int64(len(data)), MinChunkSize)
	put0 := func(t *testing.T, p *Provider) error {
		ctx := ctxT(t)
		sess, err := p.Begin(ctx, u)
		if err != nil {
			return err
		}
		c := u.Chunk(0)
		return sess.PutChunk(ctx, c, body(data, c))
	}
	t.Run("auth", func(t *testing.T) {
		s := startSandbox(t, scsandbox.Options{}, nil)
		if err := put0(t, newProvider(t, s.srv.BaseURL(), func(c *Config) { c.Token = "nope-nope" })); !errors.Is(err, provider.ErrAuth) {
			t.Fatalf("%v, want ErrAuth", err)
		}
	})
	t.Run("not_found_is_permanent", func(t *testing.T) {
		s := startSandbox(t, scsandbox.Options{}, nil)
		err := put0(t, newProvider(t, s.srv.BaseURL()+"/elsewhere", nil))
		if k, _ := provider.Classify(err); k != provider.ErrPermanent {
			t.Fatalf("%v classified %v, want ErrPermanent", err, k)
		}
	})
	t.Run("too_many_requests", func(t *testing.T) {
		s := startSandbox(t, scsandbox.Options{}, func(c *sandbox.Config) {
			c.Faults.TooMany, c.Faults.RetryAfter = 1, 7*time.Second
		})
		err := put0(t, newProvider(t, s.srv.BaseURL(), nil))
		k, ra := provider.Classify(err)
		if k != provider.ErrRetryable || ra != 7*time.Second {
			t.Fatalf("%v: kind %v retry-after %v", err, k, ra)
		}
	})
	t.Run("server_too_large", func(t *testing.T) {
		s := startSandbox(t, scsandbox.Options{MaxFileSize: MinChunkSize}, nil)
		if err := put0(t, newProvider(t, s.srv.BaseURL(), nil)); !errors.Is(err, provider.ErrTooLarge) {
			t.Fatalf("%v, want ErrTooLarge", err)
		}
	})
	t.Run("config_too_large", func(t *testing.T) {
		s := startSandbox(t, scsandbox.Options{}, nil)
		p := newProvider(t, s.srv.BaseURL(), func(c *Config) { c.MaxFileSize = 100 })
		if _, err := p.Begin(ctxT(t), u); !errors.Is(err, provider.ErrTooLarge) {
			t.Fatalf("%v, want ErrTooLarge", err)
		}
		if p.Capabilities().MaxFileSize != 100 {
			t.Fatal("capabilities do not carry the limit")
		}
	})
	t.Run("transport", func(t *testing.T) {
		s := startSandbox(t, scsandbox.Options{}, nil)
		base := s.srv.BaseURL()
		_ = s.srv.Close()
		if err := put0(t, newProvider(t, base, nil)); !errors.Is(err, provider.ErrRetryable) {
			t.Fatalf("%v, want ErrRetryable", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		p := newProvider(t, base, nil)
		sess, err := p.Begin(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		c := u.Chunk(0)
		if err := sess.PutChunk(ctx, c, body(data, c)); !errors.Is(err, context.Canceled) || provider.IsRetryable(err) {
			t.Fatalf("cancelled: %v", err)
		}
	})
}

// The server checks the MD5 sent with done: a client whose hash state is
// wrong (here: a forged state) gets a permanent error naming the mismatch,
// and no file appears.
func TestMD5MismatchRefused(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	data := randomData(2*MinChunkSize+3, 11)
	u := plan("m.bin", int64(len(data)), MinChunkSize)
	states := partial(t, s.srv.BaseURL(), u, data, 2)
	var st state
	if err := json.Unmarshal(states[2], &st); err != nil {
		t.Fatal(err)
	}
	h := md5.New()
	h.Write(bytes.Repeat([]byte{1}, int(st.Hashed)))
	st.MD5, _ = h.(encoding.BinaryMarshaler).MarshalBinary()
	sess, err := newProvider(t, s.srv.BaseURL(), nil).Resume(ctxT(t), u, st.encode())
	if err != nil {
		t.Fatal(err)
	}
	c := u.Chunk(2)
	err = sess.PutChunk(ctxT(t), c, body(data, c))
	var pe *provider.Error
	// The copy differs: the file is sent again (ErrSessionGone), which
	// cures a corrupted transfer (see finalize).
	if !errors.Is(err, provider.ErrSessionGone) || !errors.As(err, &pe) || !strings.Contains(pe.Message, "differs") {
		t.Fatalf("done with a wrong md5: %v", err)
	}
	if files := s.files(); len(files) != 0 {
		t.Fatalf("stored %+v", files)
	}
	// The true hash still finalizes the same upload.
	sess, err = newProvider(t, s.srv.BaseURL(), nil).Resume(ctxT(t), u, withoutDone(t, sess.State(), u))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Finish(ctxT(t)); err == nil {
		t.Fatal("finish from the forged hash state succeeded")
	}
	sess, err = newProvider(t, s.srv.BaseURL(), nil).Resume(ctxT(t), u, states[2])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runUpload(ctxT(t), sess, u, data, 2); err != nil {
		t.Fatal(err)
	}
}

func TestMessages(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	data := randomData(MinChunkSize+1, 12)
	upload := func(t *testing.T, mod func(*Config)) (provider.Result, error) {
		p := newProvider(t, s.srv.BaseURL(), mod)
		u := plan("pic.png", int64(len(data)), MinChunkSize)
		ctx := ctxT(t)
		sess, err := p.Begin(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return runUpload(ctx, sess, u, data, 0)
	}
	if _, err := upload(t, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(s.api.Messages()); n != 0 {
		t.Fatalf("%d messages sent without recipients", n)
	}
	res, err := upload(t, func(c *Config) { c.Group = 21; c.MessageTemplate = "new file {name} in {path}" })
	if err != nil {
		t.Fatal(err)
	}
	s.checkMessages(t, res.RemoteID, "new file pic.png in docs/2026/pic.png")
	if ms := s.api.Messages(); ms[0].Group != 21 || ms[1].Group != 21 {
		t.Fatalf("messages %+v", ms)
	}
	// Group 22 does not include alice: 403, which is a target setting to
	// fix (permanent), not a login failure. Repeating Finish retries only
	// the message: done is not sent twice.
	p := newProvider(t, s.srv.BaseURL(), func(c *Config) { c.Group = 22 })
	u := plan("pic.png", int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	sess, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	doneBefore := s.uploadRequests(true)
	for range 2 {
		_, err := runUpload(ctx, sess, u, data, 0)
		var pe *provider.Error
		if !errors.Is(err, provider.ErrPermanent) || !errors.As(err, &pe) || pe.Op != "send message" || pe.Status != 403 {
			t.Fatalf("message to a foreign group: %v", err)
		}
	}
	if n := s.uploadRequests(true) - doneBefore; n != 1 {
		t.Fatalf("%d done calls, want 1", n)
	}
}

func TestNewValidates(t *testing.T) {
	ok := Config{BaseURL: "https://apiv2.quentrix.com", Token: "t0k"}
	if _, err := New(ok); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*Config){
		"no_scheme":      func(c *Config) { c.BaseURL = "apiv2.quentrix.com" },
		"ftp":            func(c *Config) { c.BaseURL = "ftp://x" },
		"query":          func(c *Config) { c.BaseURL = "https://x/?a=b" },
		"userinfo":       func(c *Config) { c.BaseURL = "https://u:p@x" },
		"no_token":       func(c *Config) { c.Token = " " },
		"token_newline":  func(c *Config) { c.Token = "a\nb" },
		"dialect":        func(c *Config) { c.Dialect = "fine" },
		"chunk_small":    func(c *Config) { c.ChunkSize = 100 },
		"chunk_big":      func(c *Config) { c.ChunkSize = MaxChunkSize + 1 },
		"max_negative":   func(c *Config) { c.MaxFileSize = -1 },
		"both_targets":   func(c *Config) { c.Recipients, c.Group = []int64{1}, 2 },
		"bad_recipient":  func(c *Config) { c.Recipients = []int64{0} },
		"negative_group": func(c *Config) { c.Group = -3 },
		"bad_pin":        func(c *Config) { c.PinSHA256 = "zz" },
	}
	for name, mod := range bad {
		c := ok
		mod(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "t0k") {
			t.Errorf("%s: error shows the token: %v", name, err)
		}
	}
	p, _ := New(ok)
	caps := p.Capabilities()
	if caps.ParallelChunks || !caps.Resumable || caps.DefaultChunkSize != DefaultChunkSize || caps.Folders != provider.FoldersNone {
		t.Fatalf("capabilities %+v", caps)
	}
	if _, err := p.Begin(context.Background(), provider.Upload{Name: "x", Size: 1, ChunkSize: 10}); !errors.Is(err, provider.ErrPermanent) {
		t.Fatalf("chunk size below the minimum: %v", err)
	}
}

// A target configured with the other dialect gets a clear permanent error
// naming the field, not a retry loop.
func TestDialectMismatch(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{Dialect: scsandbox.QQ}, nil)
	p := newProvider(t, s.srv.BaseURL(), nil) // plain names
	data := randomData(2*MinChunkSize, 14)
	u := plan("d.bin", int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	sess, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	c := u.Chunk(0)
	err = sess.PutChunk(ctx, c, body(data, c))
	var pe *provider.Error
	if !errors.Is(err, provider.ErrPermanent) || !errors.As(err, &pe) || pe.Code != "invalid_field" || !strings.Contains(pe.Message, "qq") {
		t.Fatalf("plain names against a qq server: %v", err)
	}
}

// A done whose answer was lost: the retry (here after a restart, from
// state with every part acknowledged) is refused as already finalized,
// which for the session's own uuid is success, without a link (the API
// cannot look the file up). The first session repeats Finish without a
// second done.
func TestSecondDone(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	data := randomData(2*MinChunkSize+1, 15)
	u := plan("twice.bin", int64(len(data)), MinChunkSize)
	states := partial(t, s.srv.BaseURL(), u, data, 3)
	ctx := ctxT(t)
	first, err := newProvider(t, s.srv.BaseURL(), nil).Resume(ctx, u, states[3])
	if err != nil {
		t.Fatal(err)
	}
	res1, err := first.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again, err := newProvider(t, s.srv.BaseURL(), nil).Resume(ctx, u, withoutDone(t, states[3], u))
	if err != nil {
		t.Fatal(err)
	}
	res2, err := again.Finish(ctx)
	if err != nil {
		t.Fatalf("second done: %v, want success", err)
	}
	if res2.RemoteID != res1.RemoteID || res2.Link != "" || res1.Link == "" {
		t.Fatalf("first result %+v, second %+v", res1, res2)
	}
	doneCalls := s.uploadRequests(true)
	if _, err := first.Finish(ctx); err != nil {
		t.Fatalf("repeated Finish on the finished session: %v", err)
	}
	if s.uploadRequests(true) != doneCalls || len(s.files()) != 1 {
		t.Fatalf("repeated Finish sent done again or stored another file: %+v", s.files())
	}
}

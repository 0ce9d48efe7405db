package providertest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
)

func (s *suite) testCapabilities(t *testing.T) {
	c := s.caps
	if c.MinChunkSize <= 0 || c.MaxChunkSize < c.MinChunkSize || c.DefaultChunkSize < c.MinChunkSize || c.DefaultChunkSize > c.MaxChunkSize {
		t.Errorf("chunk bounds min %d default %d max %d are inconsistent", c.MinChunkSize, c.DefaultChunkSize, c.MaxChunkSize)
	}
	if len(c.Conflicts) == 0 {
		t.Error("no conflict policy declared")
	}
	if c.MaxParallelChunks < 0 {
		t.Errorf("MaxParallelChunks %d is negative", c.MaxParallelChunks)
	}
}

// testChunked uploads the chunk counts where off-by-one errors live.
func (s *suite) testChunked(t *testing.T) {
	sizes := []struct {
		name string
		size int64
	}{
		{"one_byte", 1},
		{"exactly_one_chunk", s.cs},
		{"chunk_plus_one", s.cs + 1},
		{"many_chunks", 4*s.cs + s.cs/3 + 1},
	}
	for _, tc := range sizes {
		t.Run(tc.name, func(t *testing.T) {
			p := s.h.New(t, Settings{})
			f := s.newFile(t, tc.size)
			res, err := s.upload(t, p, f)
			if err != nil {
				t.Fatal(err)
			}
			s.checkStoredOnce(t, f, res)
		})
	}
}

func (s *suite) testZeroByte(t *testing.T) {
	p := s.h.New(t, Settings{})
	f := s.newFile(t, 0)
	if n := f.u.Chunks(); n != 1 {
		t.Fatalf("a zero-byte plan has %d chunks, want 1", n)
	}
	res, err := s.upload(t, p, f)
	if err != nil {
		t.Fatal(err)
	}
	s.checkStoredOnce(t, f, res)
}

// testRepeatChunk sends a chunk twice, as the engine does after a lost
// acknowledgement. The repeat must be harmless or say ErrSessionGone.
func (s *suite) testRepeatChunk(t *testing.T) {
	p := s.h.New(t, Settings{})
	f := s.newFile(t, 2*s.cs+5)
	ctx := ctxFor(t)
	sess, err := p.Begin(ctx, f.u)
	if err != nil {
		t.Fatal(err)
	}
	if err := put(ctx, sess, f, 0); err != nil {
		t.Fatal(err)
	}
	if err := put(ctx, sess, f, 0); err != nil {
		if !errors.Is(err, provider.ErrSessionGone) {
			t.Fatalf("repeating chunk 0: %v; want success or ErrSessionGone", err)
		}
		_ = sess.Abort(ctx)
		res, err := s.upload(t, p, f)
		if err != nil {
			t.Fatalf("restart after ErrSessionGone: %v", err)
		}
		s.checkStoredOnce(t, f, res)
		return
	}
	for i := 1; i < f.u.Chunks(); i++ {
		if err := put(ctx, sess, f, i); err != nil {
			t.Fatal(err)
		}
	}
	res, err := sess.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.checkStoredOnce(t, f, res)
}

func (s *suite) testParallel(t *testing.T) {
	p := s.h.New(t, Settings{})
	f := s.newFile(t, 6*s.cs+11)
	ctx := ctxFor(t)
	sess, err := p.Begin(ctx, f.u)
	if err != nil {
		t.Fatal(err)
	}
	if err := putAllParallel(ctx, sess, f, s.caps.MaxParallelChunks); err != nil {
		t.Fatal(err)
	}
	res, err := sess.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.checkStoredOnce(t, f, res)
}

// testResume drops a client after two of four chunks and continues in a
// new one: a resumable provider sends only the missing chunks; another
// returns ErrSessionGone and a fresh Begin uploads the file cleanly, with
// no stray copy of the first attempt.
func (s *suite) testResume(t *testing.T) {
	f := s.newFile(t, 3*s.cs+s.cs/2)
	ctx := ctxFor(t)
	state := s.partialUpload(t, f, 2)
	if s.h.AfterCrash != nil {
		s.h.AfterCrash(t)
	}
	p2 := s.h.New(t, Settings{})
	resumed, err := p2.Resume(ctx, f.u, state)
	if s.caps.Resumable {
		if err != nil {
			t.Fatalf("resume of a resumable session: %v", err)
		}
		for i := 2; i < f.u.Chunks(); i++ {
			if err := put(ctx, resumed, f, i); err != nil {
				t.Fatal(err)
			}
		}
		res, err := resumed.Finish(ctx)
		if err != nil {
			t.Fatalf("finish after resume with only the missing chunks: %v", err)
		}
		s.checkStoredOnce(t, f, res)
		return
	}
	if !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("resume on a non-resumable provider: %v; want ErrSessionGone", err)
	}
	res, err := s.upload(t, p2, f)
	if err != nil {
		t.Fatalf("restart after ErrSessionGone: %v", err)
	}
	s.checkStoredOnce(t, f, res)
}

func (s *suite) testAbort(t *testing.T) {
	t.Run("new_file", func(t *testing.T) {
		p := s.h.New(t, Settings{})
		f := s.newFile(t, 3*s.cs)
		ctx := ctxFor(t)
		sess, err := p.Begin(ctx, f.u)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			if err := put(ctx, sess, f, i); err != nil {
				t.Fatal(err)
			}
		}
		if err := sess.Abort(ctx); err != nil {
			t.Fatalf("abort: %v", err)
		}
		s.checkNothingStored(t, f)
	})
	if !hasPolicy(s.caps, provider.ConflictOverwrite) {
		return
	}
	t.Run("interrupted_overwrite_keeps_original", func(t *testing.T) {
		p := s.h.New(t, Settings{})
		orig := s.newFile(t, 2*s.cs)
		orig.u.Conflict = provider.ConflictOverwrite
		res, err := s.upload(t, p, orig)
		if err != nil {
			t.Fatal(err)
		}
		next := orig
		next.data = bytes.Repeat([]byte{0xA5}, int(orig.u.Size))
		ctx := ctxFor(t)
		sess, err := p.Begin(ctx, next.u)
		if err != nil {
			t.Fatal(err)
		}
		if err := put(ctx, sess, next, 0); err != nil {
			t.Fatal(err)
		}
		if err := sess.Abort(ctx); err != nil {
			t.Fatalf("abort: %v", err)
		}
		s.checkStoredOnce(t, orig, res)
	})
}

// testSizeMismatch feeds a session fewer or more bytes than it declared.
// Such a session must never Finish successfully, and after Abort no file
// of the wrong size is left visible.
func (s *suite) testSizeMismatch(t *testing.T) {
	cases := []struct {
		name string
		last int64 // bytes the last chunk actually carries; the plan says 7
		skip bool  // leave the last chunk out
	}{
		{name: "missing_last_chunk", skip: true},
		{name: "short_last_chunk", last: 3},
		{name: "long_last_chunk", last: 12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := s.h.New(t, Settings{})
			f := s.newFile(t, 2*s.cs+7)
			ctx := ctxFor(t)
			sess, err := p.Begin(ctx, f.u)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				if err := put(ctx, sess, f, i); err != nil {
					t.Fatal(err)
				}
			}
			var putErr error
			if !tc.skip {
				c := f.u.Chunk(2)
				c.Size = tc.last
				body := make([]byte, tc.last)
				copy(body, f.data[c.Offset:])
				putErr = sess.PutChunk(ctx, c, io.NewSectionReader(bytes.NewReader(body), 0, tc.last))
			}
			if putErr == nil {
				res, err := sess.Finish(ctx)
				if err == nil {
					t.Fatalf("finish succeeded after a size mismatch: %+v", res)
				}
			}
			_ = sess.Abort(ctx) // best effort by contract; the listing below is the check
			for _, e := range s.entries(t, f) {
				if !e.Partial {
					t.Fatalf("a visible file remains after a refused size mismatch: %+v", e)
				}
			}
		})
	}
}

// testAuth expects ErrAuth from the first call a client with bad
// credentials makes that reaches the server.
func (s *suite) testAuth(t *testing.T) {
	p := s.h.New(t, Settings{BadCredentials: true})
	f := s.newFile(t, s.cs+1)
	_, err := s.upload(t, p, f)
	if err == nil {
		t.Fatal("upload with bad credentials succeeded")
	}
	if k := kindOf(err); k != provider.ErrAuth {
		t.Fatalf("bad credentials: %v classified %v, want ErrAuth", err, k)
	}
	s.checkNothingStored(t, f)
}

// testConflicts uploads a file, then another with the same name under each
// declared policy.
func (s *suite) testConflicts(t *testing.T) {
	for _, pol := range s.caps.Conflicts {
		t.Run(string(pol), func(t *testing.T) {
			p := s.h.New(t, Settings{})
			orig := s.newFile(t, s.cs+3)
			orig.u.Conflict = pol
			res1, err := s.upload(t, p, orig)
			if err != nil {
				t.Fatalf("first upload: %v", err)
			}
			next := orig
			next.data = bytes.Repeat([]byte{0x5A}, int(orig.u.Size+9))
			next.u.Size = int64(len(next.data))
			res2, err := s.upload(t, p, next)
			origSum, nextSum := sha256.Sum256(orig.data), sha256.Sum256(next.data)
			switch pol {
			case provider.ConflictSkip:
				if kindOf(err) != provider.ErrConflict {
					t.Fatalf("second upload under skip: %v, want ErrConflict", err)
				}
				s.checkStoredOnce(t, orig, res1)
			case provider.ConflictOverwrite:
				if err != nil {
					t.Fatalf("second upload under overwrite: %v", err)
				}
				s.checkStoredOnce(t, next, res2)
			case provider.ConflictRename:
				if err != nil {
					t.Fatalf("second upload under rename: %v", err)
				}
				switch {
				case s.caps.SameNameCopies && res2.RemoteName != orig.u.Name:
					t.Errorf("the service keeps same-name copies but the result names %q, not %q", res2.RemoteName, orig.u.Name)
				case !s.caps.SameNameCopies && res2.RemoteName == orig.u.Name:
					t.Errorf("rename kept the name %q", res2.RemoteName)
				}
				es := s.entries(t, orig)
				var haveOrig, haveNext bool
				for _, e := range es {
					haveOrig = haveOrig || bytes.Equal(e.SHA256, origSum[:])
					haveNext = haveNext || bytes.Equal(e.SHA256, nextSum[:])
				}
				if len(es) != 2 || !haveOrig || !haveNext {
					t.Fatalf("after rename the server holds %+v; want the original and the renamed copy", es)
				}
			default:
				t.Fatalf("unknown conflict policy %q", pol)
			}
		})
	}
}

// partialUpload sends the first n chunks of f through a client that is
// then dropped, as a crashed process drops it, and returns the session
// state the engine would have persisted.
func (s *suite) partialUpload(t *testing.T, f file, n int) []byte {
	t.Helper()
	ctx := ctxFor(t)
	sess, err := s.h.New(t, Settings{}).Begin(ctx, f.u)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := put(ctx, sess, f, i); err != nil {
			t.Fatal(err)
		}
	}
	return bytes.Clone(sess.State())
}

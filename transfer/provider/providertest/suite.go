package providertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// Run runs every conformance case against the provider h describes. Cases
// for optional features (parallel chunks, resume, each conflict policy)
// follow what the provider's Capabilities declare.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil || h.Stored == nil {
		t.Fatal("providertest: Harness.New and Harness.Stored are required")
	}
	s := &suite{h: h}
	caps := h.New(t, Settings{}).Capabilities()
	s.caps = caps
	s.cs = h.ChunkSize
	if s.cs <= 0 {
		s.cs = 64 << 10
	}
	s.cs = max(s.cs, caps.MinChunkSize)
	if caps.MaxChunkSize > 0 {
		s.cs = min(s.cs, caps.MaxChunkSize)
	}
	s.policy = provider.ConflictRename
	if len(caps.Conflicts) > 0 && !hasPolicy(caps, s.policy) {
		s.policy = caps.Conflicts[0]
	}
	t.Run("Capabilities", s.testCapabilities)
	t.Run("Chunked", s.testChunked)
	t.Run("ZeroByte", s.testZeroByte)
	t.Run("RepeatChunk", s.testRepeatChunk)
	if caps.ParallelChunks {
		t.Run("ParallelChunks", s.testParallel)
	}
	t.Run("ResumeAfterCrash", s.testResume)
	t.Run("Abort", s.testAbort)
	t.Run("SizeMismatch", s.testSizeMismatch)
	t.Run("BadCredentials", s.testAuth)
	t.Run("Conflicts", s.testConflicts)
}

type suite struct {
	h      Harness
	caps   provider.Capabilities
	cs     int64
	policy provider.ConflictPolicy
	seq    atomic.Int64
}

// file is one local test file and its upload plan.
type file struct {
	token string
	data  []byte
	u     provider.Upload
}

// newFile makes size random bytes under a unique name containing a token
// the Stored listing is filtered by.
func (s *suite) newFile(t testing.TB, size int64) file {
	n := s.seq.Add(1)
	token := fmt.Sprintf("pt%d%x", n, rand.Uint32())
	data := make([]byte, size)
	r := rand.New(rand.NewPCG(uint64(n), uint64(size)))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	name := fmt.Sprintf("%s-%s.bin", safeName(t.Name()[strings.LastIndex(t.Name(), "/")+1:]), token)
	return file{token: token, data: data, u: provider.Upload{
		Dir: s.h.Dir, Name: name, RelPath: name, Size: size,
		ModTime: time.Unix(1_700_000_000, 0), ChunkSize: s.cs, Conflict: s.policy,
	}}
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// put sends chunk i of f through a section reader, as the engine does.
func put(ctx context.Context, sess provider.Session, f file, i int) error {
	c := f.u.Chunk(i)
	return sess.PutChunk(ctx, c, io.NewSectionReader(bytes.NewReader(f.data), c.Offset, c.Size))
}

// upload runs a whole upload of f in chunk order and returns the result.
func (s *suite) upload(t testing.TB, p provider.Provider, f file) (provider.Result, error) {
	ctx := ctxFor(t)
	sess, err := p.Begin(ctx, f.u)
	if err != nil {
		return provider.Result{}, fmt.Errorf("begin: %w", err)
	}
	for i := range f.u.Chunks() {
		if err := put(ctx, sess, f, i); err != nil {
			return provider.Result{}, fmt.Errorf("put chunk %d: %w", i, err)
		}
	}
	res, err := sess.Finish(ctx)
	if err != nil {
		return res, fmt.Errorf("finish: %w", err)
	}
	return res, nil
}

// entries returns the stored items belonging to f.
func (s *suite) entries(t testing.TB, f file) []Entry {
	var out []Entry
	for _, e := range s.h.Stored(t) {
		if strings.Contains(path.Base(e.Path), f.token) {
			out = append(out, e)
		}
	}
	return out
}

// checkStoredOnce asserts the server holds exactly one visible copy of f,
// byte for byte, and nothing partial.
func (s *suite) checkStoredOnce(t testing.TB, f file, res provider.Result) {
	t.Helper()
	if res.Size != f.u.Size {
		t.Errorf("result size %d, want %d", res.Size, f.u.Size)
	}
	if res.RemoteName == "" {
		t.Error("result has no remote name")
	}
	es := s.entries(t, f)
	if len(es) != 1 {
		t.Fatalf("server holds %d items for %s, want exactly 1: %+v", len(es), f.u.Name, es)
	}
	e := es[0]
	sum := sha256.Sum256(f.data)
	if e.Partial || e.Size != f.u.Size || !bytes.Equal(e.SHA256, sum[:]) {
		t.Fatalf("stored %s: size %d partial %v sha %x; want size %d sha %x", e.Path, e.Size, e.Partial, e.SHA256, f.u.Size, sum)
	}
}

func (s *suite) checkNothingStored(t testing.TB, f file) {
	t.Helper()
	if es := s.entries(t, f); len(es) != 0 {
		t.Fatalf("server holds leftovers for %s: %+v", f.u.Name, es)
	}
}

func hasPolicy(c provider.Capabilities, p provider.ConflictPolicy) bool {
	for _, q := range c.Conflicts {
		if q == p {
			return true
		}
	}
	return false
}

func kindOf(err error) error {
	k, _ := provider.Classify(err)
	return k
}

// putAllParallel sends every chunk concurrently, last chunk first.
func putAllParallel(ctx context.Context, sess provider.Session, f file, limit int) error {
	n := f.u.Chunks()
	if limit <= 0 {
		limit = n
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := n - 1; i >= 0; i-- {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = put(ctx, sess, f, i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// safeName keeps letters and digits of a test name, so every service
// accepts it as a file name.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

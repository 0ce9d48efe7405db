package fakeprovider_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
)

func upload(name string, size, chunk int64) provider.Upload {
	return provider.Upload{Dir: []string{"d"}, Name: name, Size: size, ChunkSize: chunk, Conflict: provider.ConflictRename}
}

func put(ctx context.Context, s provider.Session, u provider.Upload, data []byte, i int) error {
	c := u.Chunk(i)
	return s.PutChunk(ctx, c, io.NewSectionReader(bytes.NewReader(data), c.Offset, c.Size))
}

// TestSequentialViolation: without ParallelChunks, a chunk sent before the
// next missing one is refused and recorded as a client violation.
func TestSequentialViolation(t *testing.T) {
	ctx := t.Context()
	p := fakeprovider.MustNew(fakeprovider.Options{})
	u := upload("a", 30, 10)
	data := make([]byte, 30)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := put(ctx, s, u, data, 1); !errors.Is(err, provider.ErrPermanent) {
		t.Fatalf("chunk 1 before chunk 0: %v", err)
	}
	if v := p.Violations(); len(v) != 1 {
		t.Fatalf("violations %v", v)
	}
}

// TestSeededFaults: the same seed injects the same failures.
func TestSeededFaults(t *testing.T) {
	pattern := func() []bool {
		p := fakeprovider.MustNew(fakeprovider.Options{Seed: 7})
		p.AddFault(fakeprovider.Fault{Op: fakeprovider.OpBegin, Rate: 0.5})
		var out []bool
		for range 40 {
			_, err := p.Begin(t.Context(), upload("x", 1, 1))
			out = append(out, err != nil)
			if err != nil && !provider.IsRetryable(err) {
				t.Fatalf("default fault is not retryable: %v", err)
			}
		}
		return out
	}
	a, b := pattern(), pattern()
	fails := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different faults")
		}
		if a[i] {
			fails++
		}
	}
	if fails < 5 || fails > 35 {
		t.Fatalf("%d of 40 calls failed at rate 0.5", fails)
	}
}

func TestLimits(t *testing.T) {
	ctx := t.Context()
	p := fakeprovider.MustNew(fakeprovider.Options{MaxBody: 5, Quota: 100})
	u := upload("big", 20, 10)
	s, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := put(ctx, s, u, make([]byte, 20), 0); !errors.Is(err, provider.ErrTooLarge) {
		t.Fatalf("chunk over MaxBody: %v", err)
	}
	if _, err := p.Begin(ctx, upload("huge", 101, 5)); !errors.Is(err, provider.ErrQuota) {
		t.Fatalf("file over quota: %v", err)
	}
}

// TestDiskServerSurvivesNewClient: a directory server keeps sessions,
// chunks and the call log for a later process.
func TestDiskServerSurvivesNewClient(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	caps := provider.Capabilities{Resumable: true}
	p1 := fakeprovider.MustNew(fakeprovider.Options{Dir: dir, Caps: caps})
	u := upload("f", 25, 10)
	data := []byte("0123456789abcdefghijKLMNO")
	s, err := p1.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := put(ctx, s, u, data, 0); err != nil {
		t.Fatal(err)
	}
	state := s.State()

	p2 := fakeprovider.MustNew(fakeprovider.Options{Dir: dir, Caps: caps})
	s2, err := p2.Resume(ctx, u, state)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		if err := put(ctx, s2, u, data, i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s2.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := p2.Holds("d/f", data); err != nil || !ok {
		t.Fatalf("stored content wrong (%v)", err)
	}
	calls, err := p2.Calls()
	if err != nil || len(calls) != 6 {
		t.Fatalf("call log has %d calls (%v), want 6 across both clients", len(calls), err)
	}
}

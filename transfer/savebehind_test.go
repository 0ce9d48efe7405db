package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// behindProvider is a provider whose chunks go in series and whose State
// can be held, as a slow queue commit holds the engine's save: it shows
// whether the next chunk is sent while a save is under way.
type behindProvider struct {
	orderedFake // order: "ack i" and "state n" in the order they happened

	acked    int           // chunks acknowledged so far; guarded by mu
	hold     chan struct{} // while not nil, State after the first chunk waits for it to close
	holding  atomic.Bool   // a State call is waiting on hold
	progress []atomic.Int64
}

func (p *behindProvider) Begin(context.Context, provider.Upload) (provider.Session, error) {
	return &behindSession{p: p}, nil
}

// orderedFake is what this package's hand-made test providers share: fixed
// capabilities, no resume, and a record of what happened, in order.
type orderedFake struct {
	caps provider.Capabilities

	mu    sync.Mutex
	order []string
}

func (p *orderedFake) Kind() string                        { return "fake" }
func (p *orderedFake) Capabilities() provider.Capabilities { return p.caps }

func (p *orderedFake) Resume(context.Context, provider.Upload, []byte) (provider.Session, error) {
	return nil, &provider.Error{Kind: provider.ErrSessionGone, Op: "resume"}
}

func (p *orderedFake) note(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.order = append(p.order, s)
}

type behindSession struct{ p *behindProvider }

func (s *behindSession) State() []byte {
	p := s.p
	p.mu.Lock()
	n, hold := p.acked, p.hold
	p.mu.Unlock()
	if n == 1 && hold != nil {
		p.holding.Store(true)
		<-hold
	}
	p.note(fmt.Sprintf("state %d", n))
	return fmt.Appendf(nil, "%d", n)
}

func (s *behindSession) PutChunk(_ context.Context, c provider.Chunk, body io.ReadSeeker) error {
	buf := make([]byte, 4096)
	var n int64
	for {
		m, err := body.Read(buf)
		n += int64(m)
		s.p.progress[c.Index].Store(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if n != c.Size {
		return &provider.Error{Kind: provider.ErrPermanent, Op: "put", Message: "short chunk"}
	}
	s.p.mu.Lock()
	s.p.acked = c.Index + 1
	s.p.mu.Unlock()
	s.p.note(fmt.Sprintf("ack %d", c.Index))
	return nil
}

func (s *behindSession) Finish(context.Context) (provider.Result, error) {
	return provider.Result{RemoteID: "1", RemoteName: "f.bin"}, nil
}

func (s *behindSession) Abort(context.Context) error { return nil }

// TestSaveBehindSendsNextChunkDuringTheSave: with IncompleteChunkNotStored,
// chunk 1 is read and sent while the save of chunk 0's acknowledgement is
// under way, all but its last byte, which waits for the save; without it
// chunk 1 does not start before the save ends. Either way the last chunk
// starts only after every save before it.
func TestSaveBehindSendsNextChunkDuringTheSave(t *testing.T) {
	const chunk = 64 << 10
	for _, overlap := range []bool{true, false} {
		t.Run(fmt.Sprintf("overlap=%v", overlap), func(t *testing.T) {
			p := &behindProvider{
				orderedFake: orderedFake{caps: provider.Capabilities{
					MinChunkSize: chunk, MaxChunkSize: chunk, DefaultChunkSize: chunk,
					Resumable: true, Conflicts: []provider.ConflictPolicy{provider.ConflictRename},
					IncompleteChunkNotStored: overlap,
				}},
				hold:     make(chan struct{}),
				progress: make([]atomic.Int64, 4),
			}
			q := newQueue(t)
			r := &rig{t: t, q: q, root: t.TempDir()}
			r.e = New(q, fixed(p, TargetSettings{}), fastOpts())
			data := randBytes(7, 3*chunk+100)
			ids := r.enqueue(r.file("f.bin", data))
			r.run()
			r.until("the save of chunk 0 is held", p.holding.Load)
			deadline := time.Now().Add(2 * time.Second)
			for time.Now().Before(deadline) && p.progress[1].Load() < chunk-1 {
				time.Sleep(5 * time.Millisecond)
			}
			got := p.progress[1].Load()
			time.Sleep(50 * time.Millisecond) // the last byte must not follow while the save is held
			if again := p.progress[1].Load(); again != got {
				t.Fatalf("chunk 1 went on from %d to %d bytes while the save of chunk 0 was held", got, again)
			}
			if overlap && got != chunk-1 {
				t.Fatalf("chunk 1 read %d bytes while the save of chunk 0 was held, want all but the last (%d)", got, chunk-1)
			}
			if !overlap && got != 0 {
				t.Fatalf("without IncompleteChunkNotStored chunk 1 read %d bytes before the save of chunk 0 ended", got)
			}
			close(p.hold)
			r.waitDone(ids...)
			p.mu.Lock()
			defer p.mu.Unlock()
			// The save of each acknowledgement ends before the next chunk
			// is acknowledged, and the last chunk comes after all saves.
			want := []string{"state 0", "ack 0", "state 1", "ack 1", "state 2", "ack 2", "state 3", "ack 3"}
			got2 := slices.DeleteFunc(slices.Clone(p.order), func(s string) bool { return s == "state 4" })
			if fmt.Sprint(got2) != fmt.Sprint(want) {
				t.Fatalf("order %v, want %v (state n: a save with n chunks acknowledged)", p.order, want)
			}
		})
	}
}

// TestChunkReaderGateHoldsTheLastByte: a chunk read behind a running save
// yields every byte but the last; the last waits for the save, and a
// failed save is the read's error instead of the byte.
func TestChunkReaderGateHoldsTheLastByte(t *testing.T) {
	data := randBytes(3, 100_000)
	f := bytes.NewReader(data)
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%v", fail), func(t *testing.T) {
			var done atomic.Int64
			gate := &behindSave{done: make(chan struct{})}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			r := newChunkReader(ctx, f, 10, int64(len(data)-10), newBandwidth(0), &done, func() {})
			r.gate = gate
			got, err := io.ReadAll(r)
			if !errors.Is(err, context.DeadlineExceeded) || len(got) != len(data)-11 {
				t.Fatalf("before the save ended: read %d bytes (%v), want %d and the wait's deadline", len(got), err, len(data)-11)
			}
			r.ctx = context.Background()
			saveErr := errors.New("queue commit failed")
			if fail {
				gate.err = saveErr
			}
			close(gate.done)
			rest, err := io.ReadAll(r)
			if fail {
				if !errors.Is(err, saveErr) || len(rest) != 0 {
					t.Fatalf("after a failed save: read %d bytes (%v), want none and the save's error", len(rest), err)
				}
				return
			}
			if err != nil || !bytes.Equal(append(got, rest...), data[10:]) {
				t.Fatalf("after the save: read %d more bytes (%v); the chunk is not whole", len(rest), err)
			}
		})
	}
}

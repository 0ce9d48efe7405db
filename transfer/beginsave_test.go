package transfer

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// beginSaveProvider's sessions hold their first State call (the save
// after Begin) until release is closed, and note what happened in order.
type beginSaveProvider struct {
	orderedFake
	release chan struct{}
	holding atomic.Bool
	// finishSaw is what Finish found in the queue: the session saved?
	finishSaw func() bool
	saved     []bool // guarded by mu
}

func (p *beginSaveProvider) Begin(context.Context, provider.Upload) (provider.Session, error) {
	return &beginSaveSession{p: p}, nil
}

type beginSaveSession struct {
	p     *beginSaveProvider
	state atomic.Int32
}

func (s *beginSaveSession) State() []byte {
	if s.state.Add(1) == 1 {
		s.p.holding.Store(true)
		<-s.p.release
		s.p.note("saved after begin")
	}
	return []byte("{}")
}

func (s *beginSaveSession) PutChunk(_ context.Context, c provider.Chunk, body io.ReadSeeker) error {
	if _, err := io.Copy(io.Discard, body); err != nil {
		return err
	}
	s.p.note(fmt.Sprintf("ack %d", c.Index))
	return nil
}

func (s *beginSaveSession) Finish(context.Context) (provider.Result, error) {
	s.p.mu.Lock()
	s.p.saved = append(s.p.saved, s.p.finishSaw())
	s.p.mu.Unlock()
	s.p.note("finish")
	return provider.Result{RemoteID: "1", RemoteName: "f.bin"}, nil
}

func (s *beginSaveSession) Abort(context.Context) error { return nil }

// TestBeginSaveTrailsTheChunk: for a service that stores the file only at
// Finish and cannot resume (Quatrix), the session saved after Begin
// commits while the chunk goes out, and is durable before Finish; for
// one that can resume, the chunk waits for that save as before.
func TestBeginSaveTrailsTheChunk(t *testing.T) {
	for _, resumable := range []bool{false, true} {
		t.Run(fmt.Sprintf("resumable=%v", resumable), func(t *testing.T) {
			p := &beginSaveProvider{
				orderedFake: orderedFake{caps: provider.Capabilities{
					MinChunkSize: 1 << 10, DefaultChunkSize: 64 << 10, Resumable: resumable,
					Conflicts: []provider.ConflictPolicy{provider.ConflictRename},
				}},
				release: make(chan struct{}),
			}
			q := newQueue(t)
			r := &rig{t: t, q: q, root: t.TempDir()}
			r.e = New(q, fixed(p, TargetSettings{}), fastOpts())
			ids := r.enqueue(r.file("f.bin", randBytes(5, 5000)))
			p.finishSaw = func() bool {
				_, ok, err := q.LoadSession(ids[0])
				return ok && err == nil
			}
			r.run()
			r.until("the save after Begin is held", p.holding.Load)
			acked := func() bool {
				p.mu.Lock()
				defer p.mu.Unlock()
				return len(p.order) > 0 && p.order[0] == "ack 0"
			}
			if resumable {
				time.Sleep(50 * time.Millisecond)
				if acked() {
					t.Fatal("the chunk went out before the session saved after Begin was durable")
				}
			} else {
				r.until("the chunk, sent while the save after Begin is held", acked)
				time.Sleep(50 * time.Millisecond)
				p.mu.Lock()
				n := len(p.order)
				p.mu.Unlock()
				if n != 1 {
					t.Fatalf("order %v while the save after Begin was held, want only the chunk", p.order)
				}
			}
			close(p.release)
			r.waitDone(ids...)
			p.mu.Lock()
			defer p.mu.Unlock()
			if len(p.saved) != 1 || !p.saved[0] {
				t.Fatalf("Finish found the session saved: %v, want one Finish after the save", p.saved)
			}
			want := "[ack 0 saved after begin finish]"
			if resumable {
				want = "[saved after begin ack 0 finish]"
			}
			if fmt.Sprint(p.order) != want {
				t.Fatalf("order %v, want %s", p.order, want)
			}
		})
	}
}

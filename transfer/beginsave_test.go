package transfer

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// beginSaveProvider's sessions note, at each chunk and at Finish, whether
// the session saved after Begin was durable in the queue by then (saved).
type beginSaveProvider struct {
	orderedFake
	saved func() bool
}

func (p *beginSaveProvider) Begin(context.Context, provider.Upload) (provider.Session, error) {
	return &beginSaveSession{p: p}, nil
}

type beginSaveSession struct{ p *beginSaveProvider }

func (s *beginSaveSession) State() []byte { return []byte("{}") }

// seen notes what happened and whether the session was saved by then.
func (p *beginSaveProvider) seen(what string) {
	p.note(fmt.Sprintf("%s (saved %v)", what, p.saved()))
}

func (s *beginSaveSession) PutChunk(_ context.Context, c provider.Chunk, body io.ReadSeeker) error {
	if _, err := io.Copy(io.Discard, body); err != nil {
		return err
	}
	s.p.seen(fmt.Sprintf("ack %d", c.Index))
	return nil
}

func (s *beginSaveSession) Finish(context.Context) (provider.Result, error) {
	s.p.seen("finish")
	return provider.Result{RemoteID: "1", RemoteName: "f.bin"}, nil
}

func (s *beginSaveSession) Abort(context.Context) error { return nil }

// TestBeginSaveTrailsTheChunk: for a service that stores the file only at
// Finish and cannot resume (Quatrix), the session saved after Begin
// commits while the chunk goes out, and is durable before Finish; for
// one that can resume, the chunk waits for that save as before. The queue
// lingers for company for an hour, so the trailing save, which nobody
// waits for until Finish is next, is still not durable when the chunk
// is acknowledged: only waiting for it ends its linger.
func TestBeginSaveTrailsTheChunk(t *testing.T) {
	for _, resumable := range []bool{false, true} {
		t.Run(fmt.Sprintf("resumable=%v", resumable), func(t *testing.T) {
			p := &beginSaveProvider{orderedFake: orderedFake{caps: provider.Capabilities{
				MinChunkSize: 1 << 10, DefaultChunkSize: 64 << 10, Resumable: resumable,
				Conflicts: []provider.ConflictPolicy{provider.ConflictRename},
			}}}
			q := newQueueWith(t, queue.Options{GroupLinger: time.Hour})
			r := &rig{t: t, q: q, root: t.TempDir()}
			r.e = New(q, fixed(p, TargetSettings{}), fastOpts())
			ids := r.enqueue(r.file("f.bin", randBytes(5, 5000)))
			p.saved = func() bool {
				_, ok, err := q.LoadSession(ids[0])
				return ok && err == nil
			}
			r.run()
			r.waitDone(ids...)
			p.mu.Lock()
			defer p.mu.Unlock()
			want := "[ack 0 (saved false) finish (saved true)]"
			if resumable {
				want = "[ack 0 (saved true) finish (saved true)]"
			}
			if fmt.Sprint(p.order) != want {
				t.Fatalf("order %v, want %s", p.order, want)
			}
		})
	}
}

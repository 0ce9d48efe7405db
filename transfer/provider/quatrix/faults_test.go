package quatrix_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix"
	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// persistent runs an upload the way the engine does: each request is
// retried while retryable (bounded), and a lost session restarts the file.
// It returns the number of restarts.
func persistent(ctx context.Context, p provider.Provider, u provider.Upload, data []byte) (provider.Result, int, error) {
	retry := func(f func() error) error {
		var err error
		for range 40 {
			if err = f(); err == nil || !provider.IsRetryable(err) {
				return err
			}
		}
		return fmt.Errorf("still failing after 40 tries: %w", err)
	}
	for restart := range 20 {
		var s provider.Session
		err := retry(func() (err error) { s, err = p.Begin(ctx, u); return err })
		if err != nil {
			return provider.Result{}, restart, err
		}
		for i := 0; i < u.Chunks() && err == nil; i++ {
			err = retry(func() error { return putChunk(ctx, s, u, data, i) })
		}
		var res provider.Result
		if err == nil {
			err = retry(func() (err error) { res, err = s.Finish(ctx); return err })
		}
		if err == nil {
			return res, restart, nil
		}
		if !errors.Is(err, provider.ErrSessionGone) {
			return provider.Result{}, restart, err
		}
	}
	return provider.Result{}, 20, errors.New("too many restarts")
}

// TestRandomFaults uploads through the core's random faults (5xx, 429,
// resets mid-body, expiring sessions and keys) with an engine-like retry
// loop: every file arrives exactly once, byte for byte, and no placeholder
// or renamed copy is left behind.
func TestRandomFaults(t *testing.T) {
	for _, mode := range []string{"apikey", "session"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, envOpts{faults: sandbox.FaultProfile{
				Status: map[int]float64{503: 0.1, 500: 0.05}, TooMany: 0.1, Reset: 0.1, Expire: 0.05, Seed: 7,
			}})
			p := e.provider(t, mode)
			ctx := ctxT(t)
			restarts := 0
			for i := range 6 {
				data := randomBytes(t, 4*quatrix.MinChunkSize+i)
				u := plan([]string{"faulty"}, fmt.Sprintf("f%d.bin", i), data, quatrix.MinChunkSize, provider.ConflictRename)
				res, n, err := persistent(ctx, p, u, data)
				if err != nil {
					t.Fatalf("file %d: %v", i, err)
				}
				restarts += n
				if res.RemoteName != u.Name {
					t.Errorf("file %d stored as %q", i, res.RemoteName)
				}
				if en, ok := e.entry(home("faulty/" + u.Name)); !ok || en.SHA256 != sha(data) {
					t.Errorf("file %d: stored %+v", i, en)
				}
			}
			for _, en := range e.under(home("faulty/")) {
				if en.Kind != sandbox.KindFile {
					t.Errorf("leftover %s (%s)", en.Path, en.Kind)
				}
			}
			if got := len(e.under(home("faulty/"))); got != 6 {
				t.Errorf("%d items stored, want 6", got)
			}
			st := e.srv.Stats()
			t.Logf("%s: %d restarts, faults %v", mode, restarts, st.Faults)
		})
	}
}
